"""Addresses as QuickBooks keeps them: the lines as entered (the ``*AddressBlock``) and a parsed,
normalised form (the ``*Address`` elements).

- The block keeps each street line at its place (an empty Addr2 leaves a gap: Addr1, Addr3),
  then one line "City, State PostalCode", then the country, as they were sent, in at most five
  lines [010, 014, 039, 048, 049, 071].
- The address closes up empty lines, writes a US state's name as its two-letter code
  ("Massachusetts" -> "MA", "Fl" -> "FL") and the United States as "USA" [048, 049, 071, 033].
- A transaction that takes its address from a name (a customer's bill-to, a vendor's address)
  takes the block with it, so it shows what was typed for the name [041, 053].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ADDRESS_BLOCKS = {"BillAddress": "BillAddressBlock", "ShipAddress": "ShipAddressBlock",
                  "VendorAddress": "VendorAddressBlock", "Address": "AddressBlock",
                  "CompanyAddressForCustomer": "CompanyAddressBlockForCustomer"}
STREET_LINES = ("Addr1", "Addr2", "Addr3", "Addr4", "Addr5")
BLOCK_LINES = 5

US_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ",
    "new mexico": "NM", "new york": "NY", "north carolina": "NC", "north dakota": "ND",
    "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
    "guam": "GU", "american samoa": "AS", "virgin islands": "VI",
    "northern mariana islands": "MP",
}
_CODES = frozenset(US_STATES.values())
US_NAMES = frozenset({"usa", "us", "u.s.", "u.s.a.", "united states",
                      "united states of america"})
US_COUNTRY = "USA"


def address_block(address: Mapping[str, str] | None) -> dict[str, str] | None:
    """The block for one address as entered, or None when it has nothing to print."""
    if not address:
        return None
    lines = {i: address[k] for i, k in enumerate(STREET_LINES, start=1) if address.get(k)}
    position = max(lines, default=0)
    city = ", ".join(p for p in (address.get("City"), address.get("State")) if p)
    last = " ".join(p for p in (city, address.get("PostalCode")) if p)
    for text in (last, address.get("Country")):
        if text:
            position += 1
            lines[position] = text
    return {f"Addr{i}": text for i, text in sorted(lines.items()) if i <= BLOCK_LINES} or None


def normalise(address: Mapping[str, str]) -> dict[str, str]:
    """The address as QuickBooks stores it: lines closed up, US state and country coded."""
    out: dict[str, str] = {}
    streets = [address[k] for k in STREET_LINES if address.get(k)]
    for name, text in zip(STREET_LINES, streets, strict=False):
        out[name] = text
    country = address.get("Country")
    in_us = not country or country.strip().lower() in US_NAMES
    for key, value in address.items():
        if key in STREET_LINES:
            continue
        if key == "State" and in_us:
            value = _state_code(value)
        elif key == "Country" and in_us:
            value = US_COUNTRY
        out[key] = value
    return out


def _state_code(state: str) -> str:
    code = US_STATES.get(" ".join(state.split()).lower())
    if code is not None:
        return code
    return state.upper() if state.upper() in _CODES else state


def copy_address(doc: dict[str, Any], target: str, source_doc: Mapping[str, Any],
                 source: str) -> bool:
    """Give ``doc`` the ``source`` address of another record, with the block printed for it."""
    address = source_doc.get(source)
    if not address:
        return False
    doc[target] = dict(address)
    block = source_doc.get(ADDRESS_BLOCKS.get(source, ""))
    if block and target in ADDRESS_BLOCKS:
        doc[ADDRESS_BLOCKS[target]] = dict(block)
    return True


def fill_blocks(doc: dict[str, Any], has_element: Callable[[str], bool],
                sent: Mapping[str, Any] | None = None) -> None:
    """Blocks and normalised addresses of a record being stored.

    ``sent`` is the request's aggregate: an address it carries is taken as entered (block from
    the entry, address normalised); an address kept or copied keeps its block; a block whose
    address is gone goes too. Without ``sent`` every address counts as entered.
    """
    for address, block_name in ADDRESS_BLOCKS.items():
        if not has_element(block_name):
            continue
        value = doc.get(address)
        if not value:
            doc.pop(address, None)           # an empty aggregate stands for no address [048]
            doc.pop(block_name, None)
            continue
        entered = sent is None or address in sent
        if entered or not doc.get(block_name):
            block = address_block(value)
            if block:
                doc[block_name] = block
            else:
                doc.pop(block_name, None)
        if entered:
            doc[address] = normalise(value)
