"""Codec benchmark: typed parsing, streaming memory, build + validate, spec load.

Every figure is a ratio against a baseline measured in the same run:
- parse: records/s and MB/s of ``parse_response`` (alone, and with every value of every
  record then read, which the goal is about: lazy conversion must not just move the cost)
  and of streaming ``iter_records`` against a raw ``lxml.etree.fromstring`` of the same bytes
  (the floor) and against ``xmltodict``; the customers again with nearly every value distinct
  (the reader makes a value repeated within a response once: the bench's responses repeat
  their accounts, terms, dates and amounts, as a company's do; this one shows the other end);
- streaming peak memory (RSS of a child process) for responses of growing size;
- build + validate: messages/s for a CustomerAdd and a 20-line InvoiceAdd against building the
  same tree with bare lxml and serialising it;
- spec load: a cold interpreter loading the spec against a cold interpreter doing nothing.

Goal (issue 15): the typed parse with every value read at >= 0.5x the raw parse, for
CustomerQueryRs and InvoiceQueryRs. Run: ``python bench/bench_codec.py [--mb 50] [--quick]
[--json FILE]`` (``--quick``: 20 MB files, a smaller memory test; about the same ratios: on
5 MB files, as before, invoices gave 1.17x against 0.51-0.58x at 52 MB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from lxml import etree

from figures import Figures, add_common_options
from qbconnector.qbxml import parse as parse_module
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import iter_records, parse_response

CUSTOMER = (
    "<CustomerRet><ListID>{n:X}-1700000000</ListID><TimeCreated>2024-01-15T10:30:00-05:00"
    "</TimeCreated><TimeModified>2024-02-01T08:00:00-05:00</TimeModified><EditSequence>"
    "1706792400</EditSequence><Name>Customer {n}</Name><FullName>Customer {n}</FullName>"
    "<IsActive>true</IsActive><Sublevel>0</Sublevel><CompanyName>Company {n} LLC</CompanyName>"
    "<FirstName>Pat</FirstName><LastName>Smith{n}</LastName><BillAddress><Addr1>{n} Main St"
    "</Addr1><City>Springfield</City><State>IL</State><PostalCode>62701</PostalCode>"
    "</BillAddress><BillAddressBlock><Addr1>{n} Main St</Addr1><Addr2>Springfield, IL 62701"
    "</Addr2></BillAddressBlock><Phone>555-010-{m:04d}</Phone><Email>c{n}@example.com</Email>"
    "<TermsRef><ListID>80000002-1700000000</ListID><FullName>Net 30</FullName></TermsRef>"
    "<Balance>{b}.25</Balance><TotalBalance>{b}.25</TotalBalance><SalesTaxCodeRef><ListID>"
    "80000001-1700000000</ListID><FullName>Tax</FullName></SalesTaxCodeRef><JobStatus>None"
    "</JobStatus></CustomerRet>")

LINE = ("<InvoiceLineRet><TxnLineID>{n:X}-{k}</TxnLineID><ItemRef><ListID>8000000{k}-1700000000"
        "</ListID><FullName>Item {k}</FullName></ItemRef><Desc>Line {k} of invoice {n}</Desc>"
        "<Quantity>{k}</Quantity><Rate>12.5</Rate><Amount>{a}.50</Amount><SalesTaxCodeRef>"
        "<ListID>80000001-1700000000</ListID><FullName>Tax</FullName></SalesTaxCodeRef>"
        "</InvoiceLineRet>")
INVOICE = (
    "<InvoiceRet><TxnID>{n:X}-1700000000</TxnID><TimeCreated>2024-01-15T10:30:00-05:00"
    "</TimeCreated><TimeModified>2024-01-15T10:30:00-05:00</TimeModified><EditSequence>"
    "1705332600</EditSequence><TxnNumber>{n}</TxnNumber><CustomerRef><ListID>8000{n:X}-1700000000"
    "</ListID><FullName>Customer {n}</FullName></CustomerRef><ARAccountRef><ListID>"
    "80000005-1700000000</ListID><FullName>Accounts Receivable</FullName></ARAccountRef>"
    "<TxnDate>2024-01-15</TxnDate><RefNumber>{n}</RefNumber><IsPending>false</IsPending>"
    "<DueDate>2024-02-14</DueDate><Subtotal>250.00</Subtotal><SalesTaxPercentage>7.5"
    "</SalesTaxPercentage><SalesTaxTotal>18.75</SalesTaxTotal><AppliedAmount>0.00"
    "</AppliedAmount><BalanceRemaining>268.75</BalanceRemaining><IsPaid>false</IsPaid>{lines}"
    "</InvoiceRet>")


def distinct_customer(n: int) -> str:
    """A CustomerRet whose values are nearly all its own (only flags and a few constants
    repeat): its terms, tax code, dates, address and balance differ from every other's."""
    day = f"{2000 + n % 25}-{1 + n % 12:02d}-{1 + n % 28:02d}"
    return (CUSTOMER.format(n=n, m=n % 10000, b=n)
            .replace("80000002-1700000000", f"{n:X}-1700000002").replace("Net 30", f"Net {n}")
            .replace("80000001-1700000000", f"{n:X}-1700000001").replace(">Tax<", f">T{n}<")
            .replace("2024-01-15", day).replace("2024-02-01", day)
            .replace("Springfield", f"Town {n}").replace("62701", f"{n % 100000:05d}")
            .replace(">Pat<", f">Pat{n}<").replace(">IL<", f">S{n % 1000}<")
            .replace(", IL ", f", S{n % 1000} "))


def generate(kind: str, megabytes: float, path: Path) -> int:
    """Write a response of about ``megabytes`` MB; return the number of records. ``kind`` is
    Customer, Invoice or CustomerDistinct (customers, nearly every value distinct)."""
    target = int(megabytes * 1024 * 1024)
    count = 0
    query = kind.removesuffix("Distinct")
    with path.open("w", encoding="ascii") as out:
        out.write(f'<?xml version="1.0" ?>\n<QBXML><QBXMLMsgsRs><{query}QueryRs requestID="1" '
                  'statusCode="0" statusSeverity="Info" statusMessage="Status OK">')
        size = 0
        while size < target:
            count += 1
            if kind == "CustomerDistinct":
                chunk = distinct_customer(count)
            elif kind == "Customer":
                chunk = CUSTOMER.format(n=count, m=count % 10000, b=count % 5000)
            else:
                lines = "".join(LINE.format(n=count, k=k, a=k * 12) for k in range(1, 6))
                chunk = INVOICE.format(n=count, lines=lines)
            out.write(chunk)
            size += len(chunk)
        out.write(f"</{query}QueryRs></QBXMLMsgsRs></QBXML>\n")
    return count


GOAL_PARSE = 0.5
FLAT = 1.25
"""Memory is flat when the peak for the larger response is at most this times the smaller's."""


def read_every_value(records: list) -> int:
    """Touch every value of every record, nested ones included (what a caller reading all
    fields does); returns how many values there were."""
    count = 0
    stack = list(records)
    pop, push_all = stack.pop, stack.extend
    while stack:
        value = pop()
        if isinstance(value, dict):
            push_all(value.values())
        elif isinstance(value, list):
            push_all(value)
        else:
            count += 1
    return count


def parse_and_read(data: bytes) -> int:
    return sum(read_every_value(rs.records) for rs in parse_response(data))


@contextmanager
def pure_python():
    """Parse without the C accelerator, to show what the pure-Python path does."""
    saved, parse_module._fastparse = parse_module._fastparse, None
    try:
        yield
    finally:
        parse_module._fastparse = saved


def best_of(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_parse(kind: str, megabytes: float, workdir: Path, figures: Figures) -> None:
    import xmltodict

    path = workdir / f"{kind}.xml"
    records = generate(kind, megabytes, path)
    data = path.read_bytes()
    mb = len(data) / 1e6
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
    raw = best_of(lambda: etree.fromstring(data, parser))
    ours = best_of(lambda: parse_response(data))
    read = best_of(lambda: parse_and_read(data))
    with pure_python():
        pure = best_of(lambda: parse_and_read(data))
    stream = best_of(lambda: sum(1 for _ in iter_records(path)))
    todict = best_of(lambda: xmltodict.parse(data), repeat=1)
    print(f"\n{kind}QueryRs: {mb:.1f} MB, {records} records")
    print(f"  {'':50} {'seconds':>8} {'records/s':>11} {'MB/s':>8} {'vs raw lxml':>11}")
    accelerated = " (C accelerator)" if parse_module.ACCELERATED else ""
    for label, seconds in (("raw lxml fromstring (floor)", raw),
                           ("parse_response, every value read" + accelerated, read),
                           ("the same, pure-Python path", pure),
                           ("parse_response (typed)", ours),
                           ("iter_records (streaming)", stream), ("xmltodict", todict)):
        print(f"  {label:50} {seconds:8.2f} {records / seconds:11,.0f} {mb / seconds:8.1f} "
              f"{raw / seconds:10.2f}x")
    floor = records / raw
    figures.add(f"typed parse of {kind}QueryRs, every value read, vs raw lxml.etree."
                f"fromstring{accelerated}", records / read, "records/s", baseline=floor,
                goal=GOAL_PARSE)
    figures.add(f"typed parse of {kind}QueryRs, every value read, pure-Python path, vs raw "
                "lxml", records / pure, "records/s", baseline=floor)
    figures.add(f"typed parse of {kind}QueryRs (values not read) vs raw lxml", records / ours,
                "records/s", baseline=floor)
    figures.add(f"streaming parse (iter_records) of {kind}QueryRs vs raw lxml",
                records / stream, "records/s", baseline=floor)
    figures.add(f"xmltodict on {kind}QueryRs vs raw lxml", records / todict, "records/s",
                baseline=floor)


# A child's ru_maxrss keeps the parent's high-water mark across fork and exec on Linux, so
# the child reads its own address space's peak (VmHWM) where /proc has it.
_PEAK_KB = ("import resource\n"
            "def peak_kb():\n"
            "    try:\n"
            "        for line in open('/proc/self/status'):\n"
            "            if line.startswith('VmHWM:'):\n"
            "                return int(line.split()[1])\n"
            "    except OSError:\n"
            "        pass\n"
            "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n")


def peak_rss_streaming(path: Path) -> float:
    code = (_PEAK_KB + "import sys\nfrom qbconnector.qbxml.parse import iter_records\n"
            "n = sum(1 for _ in iter_records(sys.argv[1]))\nprint(n, peak_kb())\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[1]) / 1024


def peak_rss_baseline() -> float:
    code = _PEAK_KB + "import qbconnector.qbxml.parse\nprint(peak_kb())\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def bench_distinct(megabytes: float, workdir: Path, figures: Figures) -> None:
    """The typed parse, every value read, of customers whose values are nearly all distinct:
    what a response gains from values made once is absent here (no goal: the goal's figures
    are the two above)."""
    path = workdir / "CustomerDistinct.xml"
    records = generate("CustomerDistinct", megabytes, path)
    data = path.read_bytes()
    parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
    raw = best_of(lambda: etree.fromstring(data, parser))
    read = best_of(lambda: parse_and_read(data))
    print(f"\nCustomerQueryRs, nearly every value distinct: {len(data) / 1e6:.1f} MB, {records} "
          f"records: raw lxml {raw:.2f} s, parse_response with every value read {read:.2f} s "
          f"({raw / read:.2f}x)")
    figures.add("typed parse of CustomerQueryRs with nearly every value distinct, every value "
                "read, vs raw lxml", records / read, "records/s", baseline=records / raw)


def bench_stream_memory(workdir: Path, sizes: list[float], figures: Figures) -> None:
    print("\nStreaming peak memory (child process RSS, MB):")
    print(f"  interpreter + qbconnector imported (baseline): {peak_rss_baseline():.0f}")
    peaks = []
    for megabytes in sizes:
        path = workdir / f"stream-{megabytes}.xml"
        generate("Invoice", megabytes, path)
        peaks.append(peak_rss_streaming(path))
        print(f"  {megabytes:>6.0f} MB InvoiceQueryRs: {peaks[-1]:.0f}")
        path.unlink()
    figures.add(f"streaming parse peak memory, {sizes[-1]:g} MB vs {sizes[0]:g} MB "
                "InvoiceQueryRs", peaks[-1], "MB", baseline=peaks[0], goal=FLAT, at_most=True)


def bench_build(figures: Figures, n: int = 2000) -> None:
    customer = {"Name": "Acme Supplies", "CompanyName": "Acme Supplies LLC", "FirstName": "Pat",
                "LastName": "Smith", "BillAddress": {"Addr1": "1 Main St", "City": "Springfield",
                                                     "State": "IL", "PostalCode": "62701"},
                "Phone": "555-0100", "Email": "pat@example.com", "CreditLimit": Decimal("2500")}
    invoice = {"CustomerRef": {"FullName": "Acme Supplies"}, "TxnDate": "2024-01-15",
               "RefNumber": "1001", "InvoiceLineAdd": [
                   {"ItemRef": {"FullName": f"Item {k}"}, "Desc": f"Line {k}",
                    "Quantity": k, "Rate": Decimal("12.5")} for k in range(1, 21)]}

    def bare_lxml(name: str, data: dict) -> bytes:
        root = etree.Element("QBXML")
        msgs = etree.SubElement(root, "QBXMLMsgsRq", onError="stopOnError")
        body = etree.SubElement(etree.SubElement(msgs, name + "Rq"), name)

        def fill(parent, value):
            for key, val in value.items():
                for item in val if isinstance(val, list) else [val]:
                    child = etree.SubElement(parent, key)
                    if isinstance(item, dict):
                        fill(child, item)
                    else:
                        child.text = str(item)
        fill(body, data)
        return etree.tostring(root)

    print("\nBuild + validate (messages/s):")
    for name, data in (("CustomerAdd", customer), ("InvoiceAdd", invoice)):
        base = best_of(lambda name=name, data=data: [bare_lxml(name, data) for _ in range(n)])
        plain = best_of(lambda name=name, data=data: [
            build(Message(name, data), version="13.0", check=False) for _ in range(n)])
        checked = best_of(lambda name=name, data=data: [
            build(Message(name, data), version="13.0") for _ in range(n)])
        print(f"  {name:12} bare lxml tree+tostring {n / base:9,.0f}/s | build {n / plain:9,.0f}/s "
              f"({base / plain:.2f}x) | build+validate {n / checked:9,.0f}/s "
              f"({base / checked:.2f}x)")
        figures.add(f"build + validate a {name} vs a bare lxml tree", n / checked,
                    "messages/s", baseline=n / base)


def bench_spec_load(figures: Figures, repeat: int = 5) -> None:
    def cold(code: str) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - start)
        return min(times)

    empty = cold("pass")
    loaded = cold("from qbconnector.qbxml import spec; spec.load()")
    print(f"\nSpec load, cold interpreter: nothing {empty * 1000:.0f} ms, spec.load() "
          f"{loaded * 1000:.0f} ms -> the spec costs {(loaded - empty) * 1000:.0f} ms")
    figures.add("spec load in a cold interpreter vs an empty one", loaded * 1000, "ms",
                baseline=empty * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50, help="size of each parse test file")
    parser.add_argument("--stream-sizes", default="50,200", help="MB sizes for the memory test")
    add_common_options(parser)
    args = parser.parse_args()
    if args.quick:
        args.mb, args.stream_sizes = min(args.mb, 20), "10,40"
    print(f"qbconnector codec benchmark - Python {sys.version.split()[0]}, "
          f"lxml {etree.__version__}, {os.cpu_count()} CPUs")
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench_parse("Customer", args.mb, workdir, figures)
        bench_parse("Invoice", args.mb, workdir, figures)
        bench_distinct(args.mb, workdir, figures)
        bench_stream_memory(workdir, [float(s) for s in args.stream_sizes.split(",")], figures)
    bench_build(figures, 500 if args.quick else 2000)
    bench_spec_load(figures, 3 if args.quick else 5)
    figures.write(args.json)


if __name__ == "__main__":
    main()
