"""Setup steps and request builders that one or a few transcripts need.

Everything is derived from the transcript at test time: names, amounts and dates come from its
response (or request); where the corpus does not say (an invoice behind a payment, the item on a
line of a refused order) the step invents the least it needs and says so in its docstring.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from . import convert, synth, xmlutil
from .company import Company, SetupError
from .corpus import Transcript
from .xmlutil import build, leaf, text_of


def _ref(tag: str, our_id: str | None) -> etree._Element:
    return build(tag, [leaf("ListID", our_id or "")])


def _first_ret(rs: etree._Element) -> etree._Element | None:
    return next((r for r in xmlutil.elements(rs) if r.tag.endswith("Ret")), None)


# -- custom fields --------------------------------------------------------------------------
def company_dataext(company: Company, t: Transcript) -> None:
    """The application's own custom fields on the company (AppLock, FileID) as in the answer."""
    for ext in t.response_root().iter("DataExtRet"):
        if ext.getparent() is not None and ext.getparent().tag == "CompanyRet":
            company.add_dataext(ext, None, None, other="Company")


def request_dataext_def(company: Company, t: Transcript) -> None:
    """[015, 083]: the definition the request's custom field belongs to (type from the answer
    where it shows one, else STR255TYPE)."""
    rq = xmlutil.messages(t.request_root())[0]
    agg = xmlutil.elements(rq)[0]
    owner, name = text_of(agg, "OwnerID") or "0", text_of(agg, "DataExtName") or ""
    shown = next(t.response_root().iter("DataExtType"), None)
    dtype = text_of(agg, "DataExtType") or (shown.text if shown is not None else "STR255TYPE")
    company.request(build("DataExtDefAddRq", [build("DataExtDefAdd", [
        leaf("OwnerID", owner), leaf("DataExtName", name), leaf("DataExtType", dtype or ""),
        leaf("AssignToObject", text_of(agg, "OtherDataExtType") or
             text_of(agg, "AssignToObject") or "Company")])]))
    company.steps.append(f"defined custom field {name!r}")


def request_dataext_value(company: Company, t: Transcript) -> None:
    """[047, 084]: the definition and a value for the request's company custom field."""
    rq = xmlutil.messages(t.request_root())[0]
    agg = xmlutil.elements(rq)[0]
    ext = build("DataExtRet", [leaf("OwnerID", text_of(agg, "OwnerID") or "0"),
                               leaf("DataExtName", text_of(agg, "DataExtName") or ""),
                               leaf("DataExtType", "STR255TYPE"),
                               leaf("DataExtValue", text_of(agg, "DataExtValue") or "set")])
    company.add_dataext(ext, None, None, other=text_of(agg, "OtherDataExtType") or "Company")


# -- lists ------------------------------------------------------------------------------------
def iterator_fillers(company: Company, t: Transcript) -> None:
    """[021]: as many customers as the real file had beyond the one record the source kept
    (MaxReturned + iteratorRemainingCount - 1), named to sort after it."""
    rq = xmlutil.messages(t.request_root())[0]
    rs = xmlutil.messages(t.response_root())[0]
    total = int(text_of(rq, "MaxReturned") or "0") + int(rs.get("iteratorRemainingCount", "0"))
    for ret in xmlutil.elements(rs):
        company.create(ret)
    for i in range(total - len(xmlutil.elements(rs))):
        company.request(build("CustomerAddRq", [build("CustomerAdd", [
            leaf("Name", f"zz filler customer {i + 1:02d}")])]))
    company.steps.append(f"added {total - len(xmlutil.elements(rs))} filler customers")


def deleted_customer(company: Company, t: Transcript) -> None:
    """[034]: create, then delete, the customer the answer lists as deleted."""
    for ret in t.response_root().iter("ListDeletedRet"):
        name = text_of(ret, "FullName") or ""
        rs = company.request(build("CustomerAddRq", [build("CustomerAdd", [leaf("Name", name)])]))
        ours = _first_ret(rs)
        assert ours is not None
        company.id_map[text_of(ret, "ListID") or ""] = text_of(ours, "ListID") or ""
        company.request(build("ListDelRq", [leaf("ListDelType", "Customer"),
                                            leaf("ListID", text_of(ours, "ListID") or "")]))
        company.steps.append(f"created and deleted customer {name!r}")


def customer_with_dataext(company: Company, t: Transcript) -> None:
    """[038]: the customer, and the custom field values the batch then modifies."""
    rss = xmlutil.messages(t.response_root())
    customer = company.create(_first_ret(rss[0]))
    for rs in rss[1:]:
        ext = _first_ret(rs)
        if ext is not None:
            company.add_dataext(ext, None, customer)


def existing_names(company: Company, t: Transcript) -> None:
    """[076]: the customers whose names the real file already had."""
    for name in synth.names_in_messages(t):
        company.request(build("CustomerAddRq", [build("CustomerAdd", [leaf("Name", name)])]))
    company.steps.append("created the customers named in the 3100 messages")


def item_named_in_message(kind: str) -> synth.Builder:
    """[067, 073]: setup and request for 3100: an item of ``kind`` with the name of the message
    exists; the request adds it again (the setup runs inside the builder)."""
    def builder(company: Company, t: Transcript) -> str:
        name = synth.names_in_messages(t)[0]
        body = _minimal_item(company, kind, name)
        company.request(build(f"{kind}AddRq", [body]))
        rs = xmlutil.messages(t.response_root())[0]
        return synth._text([build(f"{kind}AddRq", [_minimal_item(company, kind, name)],
                                  requestID=rs.get("requestID"))], "7.0")
    return builder


def _minimal_item(company: Company, kind: str, name: str) -> etree._Element:
    income = company.ensure("Account", "Services", None, None, "IncomeAccountRef")
    if kind == "ItemService":
        return build("ItemServiceAdd", [leaf("Name", name), build("SalesOrPurchase", [
            _ref("AccountRef", income)])])
    cogs = company.ensure("Account", "Cost of Goods Sold", None, None, "COGSAccountRef")
    asset = company.ensure("Account", "Inventory Asset", None, None, "AssetAccountRef")
    return build("ItemInventoryAdd", [leaf("Name", name), _ref("IncomeAccountRef", income),
                                      _ref("COGSAccountRef", cogs), _ref("AssetAccountRef", asset)])


# -- transactions -----------------------------------------------------------------------------
def any_item(company: Company) -> str:
    """An item for lines whose item the corpus does not show."""
    return company.ensure("Item", "Services item", None) or ""


def invoice(company: Company, customer: str, amount: str, txn_date: str | None = None,
            ref_number: str | None = None) -> etree._Element:
    """An invoice of one line for ``amount`` (the line's item is invented: any_item)."""
    children = [_ref("CustomerRef", customer)]
    if txn_date:
        children.append(leaf("TxnDate", txn_date))
    if ref_number:
        children.append(leaf("RefNumber", ref_number))
    children.append(build("InvoiceLineAdd", [_ref("ItemRef", any_item(company)),
                                             leaf("Amount", amount)]))
    rs = company.request(build("InvoiceAddRq", [build("InvoiceAdd", children)]))
    ours = _first_ret(rs)
    assert ours is not None
    company.remember(None, ours)
    company.steps.append(f"created an invoice of {amount}")
    return ours


def payment_with_invoices(company: Company, t: Transcript) -> None:
    """[057, 059]: each invoice the payment was applied to (amount = applied + balance left,
    one invented line), then the payment itself, applied the same way."""
    for ret in t.response_root().iter("ReceivePaymentRet"):
        company._scan(ret)
        customer_ref = ret.find("CustomerRef")
        customer = company.ensure("Customer", text_of(customer_ref, "FullName"),
                                  text_of(customer_ref, "ListID"), customer_ref,
                                  "ReceivePaymentAdd/CustomerRef")
        applied = []
        for app in ret.findall("AppliedToTxnRet"):
            total = Decimal(text_of(app, "Amount") or "0") + \
                Decimal(text_of(app, "BalanceRemaining") or "0")
            inv = invoice(company, customer or "", f"{total:.2f}", text_of(app, "TxnDate"),
                          text_of(app, "RefNumber"))
            company.id_map[text_of(app, "TxnID") or ""] = text_of(inv, "TxnID") or ""
            applied.append(build("AppliedToTxnAdd", [leaf("TxnID", text_of(inv, "TxnID") or ""),
                                                     leaf("PaymentAmount",
                                                          text_of(app, "Amount") or "0")]))
        conv = synth.add_from(company, ret, company.version)
        body = conv.find("ReceivePaymentAdd")
        # card details come back masked and incomplete: they cannot be sent again
        for old in body.findall("AppliedToTxnAdd") + body.findall("IsAutoApply") + \
                body.findall("CreditCardTxnInfo"):
            body.remove(old)
        if applied:
            body.extend(applied)
        else:
            body.append(leaf("IsAutoApply", "false"))
        rs = company.request(conv)
        ours = _first_ret(rs)
        assert ours is not None
        our_id = company.remember(ret, ours)
        if ret.find("CreditCardTxnInfo") is not None:
            company.not_reproduced[our_id] = frozenset({"CreditCardTxnInfo"})
        company.steps.append("created the payment and the invoices it pays")


def opening_balance_and_payment(company: Company, t: Transcript) -> None:
    """[056]: a job whose opening balance is the first invoice, the payment linked to it, and
    the second invoice as the answer shows it."""
    invoices = list(t.response_root().iter("InvoiceRet"))
    first = invoices[0]
    company._scan(first)
    line_amount = text_of(first.find("InvoiceLineRet"), "Amount") or "0.00"
    customer_ref = first.find("CustomerRef")
    pseudo = build("CustomerRet", [leaf("ListID", text_of(customer_ref, "ListID") or ""),
                                   leaf("Name", (text_of(customer_ref, "FullName") or "")
                                        .rpartition(":")[2])])
    parent = (text_of(customer_ref, "FullName") or "").rpartition(":")[0]
    if parent:
        # The parent of this file is known by name only (the corpus's other "Keith Palmer"
        # lives in another file, with a balance of its own): a bare stand-in.
        for level in range(1, parent.count(":") + 2):
            path = parent.split(":")[:level]
            if company.find("Customer", ":".join(path)) is None:
                company.create(build("CustomerRet", [leaf("Name", path[-1])] + (
                    [build("ParentRef", [leaf("FullName", ":".join(path[:-1]))])]
                    if level > 1 else [])), " (named only in the corpus)", complete=False)
        pseudo.append(build("ParentRef", [leaf("FullName", parent)]))
    for name in ("BillAddress", "TermsRef", "SalesRepRef"):
        for child in first.findall(name):
            pseudo.append(etree.fromstring(etree.tostring(child)))
    code = first.find("CustomerSalesTaxCodeRef")
    if code is not None:
        copy = etree.fromstring(etree.tostring(code))
        copy.tag = "SalesTaxCodeRef"
        pseudo.append(copy)
    pseudo.append(leaf("Balance", line_amount))
    pseudo.append(leaf("TimeCreated", text_of(first, "TxnDate") or ""))
    customer = company.create(pseudo, complete=False)
    found = company.query("InvoiceQueryRq", build("EntityFilter", [
        leaf("ListID", text_of(customer, "ListID") or "")]))
    if not found:
        raise SetupError(f"no opening-balance invoice after adding customer "
                         f"{text_of(customer, 'FullName')!r} with OpenBalance {line_amount}")
    company.remember(first, found[0])
    for link in first.findall("LinkedTxn"):
        amount = text_of(link, "Amount") or "0"
        rs = company.request(build("ReceivePaymentAddRq", [build("ReceivePaymentAdd", [
            _ref("CustomerRef", text_of(customer, "ListID")),
            leaf("TxnDate", text_of(link, "TxnDate") or ""),
            leaf("RefNumber", text_of(link, "RefNumber") or ""),
            leaf("TotalAmount", amount.lstrip("-")),
            build("AppliedToTxnAdd", [leaf("TxnID", text_of(found[0], "TxnID") or ""),
                                      leaf("PaymentAmount", amount.lstrip("-"))])])]))
        ours = _first_ret(rs)
        if ours is not None:
            company.id_map[text_of(link, "TxnID") or ""] = text_of(ours, "TxnID") or ""
    for other in invoices[1:]:
        company.create(other)


def unpaid_invoice(company: Company, t: Transcript) -> None:
    """[066]: an invoice smaller than the payment the answer refuses (100.00: invented; any
    amount below the refused 129.43 would do)."""
    customer = company.ensure("Customer", "Payment customer", None)
    inv = invoice(company, customer or "", "100.00")
    company.id_map["invoice-to-overpay"] = text_of(inv, "TxnID") or ""
    company.id_map["payment-customer"] = customer or ""


def overpayment(company: Company, t: Transcript) -> str:
    rs = xmlutil.messages(t.response_root())[0]
    amount = re.findall(r'invalid value "([0-9.]+)"', rs.get("statusMessage", ""))[0]
    return synth._text([build("ReceivePaymentAddRq", [build("ReceivePaymentAdd", [
        _ref("CustomerRef", company.id_map["payment-customer"]),
        leaf("TotalAmount", amount),
        build("AppliedToTxnAdd", [leaf("TxnID", company.id_map["invoice-to-overpay"]),
                                  leaf("PaymentAmount", amount)])])],
        requestID=rs.get("requestID"))], "7.0")


def check_with_ref_number(company: Company, t: Transcript) -> None:
    """[046]: a check with the RefNumber the deletion answer shows (bank and expense accounts
    and the 1.00 amount are invented)."""
    for ret in t.response_root().iter("TxnDelRs"):
        bank = company.ensure("Account", "Checking", None, None, "CheckAdd/AccountRef")
        expense = company.ensure("Account", "Office Supplies", None, None,
                                 "ExpenseLineAdd/AccountRef")
        rs = company.request(build("CheckAddRq", [build("CheckAdd", [
            _ref("AccountRef", bank), leaf("RefNumber", text_of(ret, "RefNumber") or ""),
            build("ExpenseLineAdd", [_ref("AccountRef", expense), leaf("Amount", "1.00")])])]))
        ours = _first_ret(rs)
        assert ours is not None
        company.id_map[text_of(ret, "TxnID") or ""] = text_of(ours, "TxnID") or ""
        company.steps.append("created the check to delete")


def sales_order_line(company: Company) -> etree._Element:
    return build("SalesOrderLineAdd", [_ref("ItemRef", any_item(company)),
                                       leaf("Quantity", "1"), leaf("Rate", "1.00")])


def bad_customer_order(name: str) -> etree._Element:
    return build("SalesOrderAddRq", [build("SalesOrderAdd", [
        build("CustomerRef", [leaf("FullName", name)])])])


def order_with_unknown_customer(company: Company, t: Transcript) -> str:
    """[072]: a sales order for the customer the 3140 message names (line item invented)."""
    name = synth.names_in_messages(t)[0]
    rq = bad_customer_order(name)
    rq[0].append(sales_order_line(company))
    return synth._text([rq], "7.0")


def order_with_unknown_item(company: Company, t: Transcript) -> str:
    """[082]: a sales order whose line names the item of the 3140 message (customer invented)."""
    name = synth.names_in_messages(t)[0]
    customer = company.ensure("Customer", "Order customer", None)
    return synth._text([build("SalesOrderAddRq", [build("SalesOrderAdd", [
        _ref("CustomerRef", customer),
        build("SalesOrderLineAdd", [build("ItemRef", [leaf("FullName", name)]),
                                    leaf("Quantity", "1")])])])], "7.0")


def stop_on_error_batch(company: Company, t: Transcript) -> str:
    """[081]: a failing sales order, then a valid one that must be answered with 3231."""
    customer = company.ensure("Customer", "Order customer", None)
    failing = bad_customer_order("No such customer")
    failing[0].append(sales_order_line(company))
    valid = build("SalesOrderAddRq", [build("SalesOrderAdd", [
        _ref("CustomerRef", customer), sales_order_line(company)])])
    return synth._text([failing, valid], "7.0", "stopOnError")


def continue_on_error_orders(company: Company, t: Transcript) -> str:
    """[071]: two item queries that find nothing (a name filter that matches nothing: a
    FullName list would give 500, the answer shows 1), the order of the answer, and the same
    order for the customer the 3140 message names."""
    rss = xmlutil.messages(t.response_root())
    version = synth._version(t)
    requests = []
    for rs in rss:
        if rs.tag == "ItemInventoryQueryRs":
            requests.append(build("ItemInventoryQueryRq", [build("NameFilter", [
                leaf("MatchCriterion", "StartsWith"), leaf("Name", "no item starts so")])]))
        elif _first_ret(rs) is not None:
            requests.append(synth.add_from(company, _first_ret(rs), version))
        else:
            name = re.findall(r'"([^"]*)"', rs.get("statusMessage", ""))[0]
            failing = bad_customer_order(name)
            failing[0].append(sales_order_line(company))
            requests.append(failing)
    return synth._text(requests, version, "continueOnError")


def mixed_customer_batch(company: Company, t: Transcript) -> str:
    """[074]: add, add the same name again (3100), add under a parent that does not exist
    (3130), add another. The 3250 request of the real batch is unknown and left out (the
    recipe pairs the remaining answers)."""
    rss = xmlutil.messages(t.response_root())
    first = _first_ret(rss[0])
    last = _first_ret(rss[4])
    parent = re.findall(r'"([^"]*)"', rss[3].get("statusMessage", ""))[0]

    def add(request_id: str, name: str, company_name: str | None = None,
            parent_name: str | None = None) -> etree._Element:
        kids = [leaf("Name", name)]
        if parent_name:
            kids.append(build("ParentRef", [leaf("FullName", parent_name)]))
        if company_name:
            kids.append(leaf("CompanyName", company_name))
        return build("CustomerAddRq", [build("CustomerAdd", kids)], requestID=request_id)

    requests = [
        add(rss[0].get("requestID", ""), text_of(first, "Name") or "",
            text_of(first, "CompanyName")),
        add(rss[1].get("requestID", ""), text_of(first, "Name") or ""),
        add(rss[3].get("requestID", ""), "Job under a missing parent", None, parent),
        add(rss[4].get("requestID", ""), text_of(last, "Name") or "", text_of(last, "CompanyName")),
    ]
    return synth._text(requests, "13.0", "continueOnError")


def estimate_batch(company: Company, t: Transcript) -> str:
    """[060]: the two queries that find nothing and the estimate query (the estimate, with the
    customer the elided header does not show, is created first)."""
    rss = xmlutil.messages(t.response_root())
    estimate = _first_ret(rss[2])
    assert estimate is not None
    if estimate.find("CustomerRef") is None:
        estimate.insert(1, build("CustomerRef", [leaf("FullName", "Estimate customer")]))
    company.create(estimate)
    requests = [build(rs.tag[:-2] + "Rq", requestID=rs.get("requestID")) for rs in rss]
    requests[2].append(leaf("IncludeLineItems", "true"))
    return synth._text(requests, "13.0", "continueOnError")


STOCK_PERIOD = ("2011-02-01", "2011-02-07")     # [085]'s subtitle: February 1 - 7, 2011


def stock_report(company: Company, t: Transcript) -> str:
    """[085]: the inventory stock status report for the period of its subtitle."""
    return synth._text([build("GeneralSummaryReportQueryRq", [
        leaf("GeneralSummaryReportType", "InventoryStockStatusByItem"),
        build("ReportPeriod", [leaf("FromReportDate", STOCK_PERIOD[0]),
                               leaf("ToReportDate", STOCK_PERIOD[1])])])], "7.0")


def stock_report_items(company: Company, t: Transcript) -> None:
    """[085]: the inventory items its rows show, with their reorder points and stock on hand
    before the period, and a purchase order for what is on order, expected on the Next Deliv
    day. (The cost of the stock is not in the report: 1.00 each.)"""
    figures: dict[str, dict[str, str]] = {}
    for row in t.response_root().iter("DataRow"):
        item = row.find("RowData").get("value")
        figures[item] = {c.get("colID"): c.get("value") for c in row.iter("ColData")}
    vendor = None
    for full_name in sorted(figures, key=lambda n: n.count(":")):
        cells = figures[full_name]
        parent, _, name = full_name.rpartition(":")
        body = [leaf("Name", name)]
        if parent:
            body.append(build("ParentRef", [leaf("FullName", parent)]))
        body += [build("IncomeAccountRef", [leaf("FullName", "Uncategorized Income")]),
                 build("COGSAccountRef", [leaf("FullName", "Cost of Goods Sold")]),
                 build("AssetAccountRef", [leaf("FullName", "Inventory Asset")])]
        if cells.get("4"):
            body.append(leaf("ReorderPoint", cells["4"]))
        on_hand = cells.get("5", "0")
        if Decimal(on_hand):
            body += [leaf("QuantityOnHand", on_hand), leaf("TotalValue", f"{Decimal(on_hand):.2f}"),
                     leaf("InventoryDate", STOCK_PERIOD[0])]
        company.request(build("ItemInventoryAddRq", [build("ItemInventoryAdd", body)]))
        company.steps.append(f"created ItemInventory {full_name!r} (from the report's row)")
        on_order = cells.get("7", "0")
        if Decimal(on_order):
            vendor = vendor or company.ensure("Vendor", "Stock supplier", None)
            expected = cells.get("8") or STOCK_PERIOD[0]
            company.request(build("PurchaseOrderAddRq", [build("PurchaseOrderAdd", [
                build("VendorRef", [leaf("ListID", vendor or "")]),
                leaf("TxnDate", expected), leaf("ExpectedDate", expected),
                build("PurchaseOrderLineAdd", [
                    build("ItemRef", [leaf("FullName", full_name)]),
                    leaf("Quantity", on_order), leaf("Rate", "1.00")])])]))
            company.steps.append(f"ordered {on_order} of {full_name!r}")


def mod_with_unsupported_field(company: Company, t: Transcript) -> str:
    """[039]: the customer (as the answer shows it) modified with IsStatementWithParent, the
    field the 530 warning names."""
    rs = xmlutil.messages(t.response_root())[0]
    ret = _first_ret(rs)
    assert ret is not None
    ours = company.create(ret)
    our_id = text_of(ours, "ListID") or ""
    return synth._text([build("CustomerModRq", [build("CustomerMod", [
        leaf("ListID", our_id), leaf("EditSequence", company.current_es[our_id]),
        leaf("IsStatementWithParent", "true")])], requestID=rs.get("requestID"))], "7.0")


def customer_and_dataext_mods(company: Company, t: Transcript) -> str:
    """[038]: the CustomerMod (the answer's fields) and one DataExtMod per custom field."""
    rss = xmlutil.messages(t.response_root())
    customer = _first_ret(rss[0])
    assert customer is not None
    version = synth._version(t)
    conv = convert.convert(customer, mode="Mod", version=version,
                                 resolver=company.resolve)
    text = etree.tostring(conv.request_element(rss[0].get("requestID")), encoding="unicode")
    company.id_map.update(_mod_ids(company, customer))
    requests = [etree.fromstring(xmlutil.replace_ids(text, company.id_map))]
    our_id = company.id_map[text_of(customer, "ListID") or ""]
    for rs in rss[1:]:
        ext = _first_ret(rs)
        assert ext is not None
        requests.append(build("DataExtModRq", [build("DataExtMod", [
            leaf("OwnerID", text_of(ext, "OwnerID") or "0"),
            leaf("DataExtName", text_of(ext, "DataExtName") or ""),
            leaf("ListDataExtType", "Customer"),
            build("ListObjRef", [leaf("ListID", our_id)]),
            leaf("DataExtValue", text_of(ext, "DataExtValue") or "")])]))
    return synth._text(requests, version, "stopOnError")


def _mod_ids(company: Company, ret: etree._Element) -> dict[str, str]:
    real_id = text_of(ret, "ListID") or text_of(ret, "TxnID") or ""
    our_id = company.id_map.get(real_id, "")
    return {text_of(ret, "EditSequence") or "": company.current_es.get(our_id, "")}


def order_with_new_lines_only(company: Company, t: Transcript) -> None:
    """[041]: the order as the answer shows it; its line is the one the Mod adds, so the
    line the setup creates is not mapped to it (the order's earlier lines are unknown)."""
    for ret in t.response_root().iter("SalesOrderRet"):
        company.create(ret)
        for line in ret.iter("SalesOrderLineRet"):
            company.id_map.pop(text_of(line, "TxnLineID") or "", None)
