"""Address blocks: the printed form QuickBooks derives from an address.

Street lines first, then "City, State PostalCode", then the country, in at most five lines.
QuickBooks also normalises state and country names in some versions (transcript 048: a
"Massachusetts" comes back as "MA" in the address while the block keeps the typed text); the
sandbox keeps both as typed — a documented difference.
"""

from __future__ import annotations

from typing import Any

ADDRESS_BLOCKS = {"BillAddress": "BillAddressBlock", "ShipAddress": "ShipAddressBlock",
                  "VendorAddress": "VendorAddressBlock", "Address": "AddressBlock",
                  "CompanyAddressForCustomer": "CompanyAddressBlockForCustomer"}


def address_block(address: dict[str, str] | None) -> dict[str, str] | None:
    """The block for one address, or None when it has nothing to print."""
    if not address:
        return None
    lines = [address[k] for k in ("Addr1", "Addr2", "Addr3", "Addr4", "Addr5") if address.get(k)]
    city = ", ".join(p for p in (address.get("City"), address.get("State")) if p)
    last = " ".join(p for p in (city, address.get("PostalCode")) if p)
    if last:
        lines.append(last)
    if address.get("Country"):
        lines.append(address["Country"])
    return {f"Addr{i}": text for i, text in enumerate(lines[:5], start=1)} or None


def fill_blocks(doc: dict[str, Any], has_element: Any) -> None:
    """Set every ``*AddressBlock`` the Ret has from its address (or drop a stale one)."""
    for address, block_name in ADDRESS_BLOCKS.items():
        if not has_element(block_name):
            continue
        block = address_block(doc.get(address))
        if block:
            doc[block_name] = block
        else:
            doc.pop(block_name, None)
