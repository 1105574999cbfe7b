"""What the command line tells about itself: an example in every command's --help, the record
types and their operations, shell completion of record types, company info as JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from qbconnector.cli.help_examples import leaf_commands
from qbconnector.cli.main import cli


def test_every_commands_help_ends_with_an_example_of_itself():
    missing = []
    for path, _ in leaf_commands(cli):
        text = CliRunner().invoke(cli, [*path, "--help"]).output
        examples = text.split("Example", 1)[1] if "Example" in text else ""
        if f"qbconnector {' '.join(path)}" not in examples:
            missing.append(" ".join(path))
    assert not missing, f"no example in --help of: {', '.join(missing)}"


def test_types_lists_every_record_type_and_its_operations():
    listed = json.loads(CliRunner().invoke(cli, ["types", "--format", "json"]).output)
    by_name = {t["name"]: t for t in listed}
    assert by_name["customers"] == {"name": "customers", "type": "Customer", "kind": "list",
                                    "operations": ["query", "get", "count", "add", "modify",
                                                   "delete"]}
    assert "void" in by_name["invoices"]["operations"]
    assert by_name["templates"]["operations"] == ["query", "get", "count"]    # read only
    table = CliRunner().invoke(cli, ["types", "sales_ord"]).output.splitlines()
    assert table == ["sales_orders  SalesOrder  transaction  query get count add modify "
                     "delete"]


def complete(*words: str) -> list[str]:
    line = ["qbconnector", *words]
    result = CliRunner().invoke(cli, [], prog_name="qbconnector", env={
        "_QBCONNECTOR_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(line),
        "COMP_CWORD": str(len(line) - 1)})
    return [row.split(",", 1)[1] for row in result.output.splitlines()]


def test_shell_completion_completes_record_types():
    assert complete("query", "sales_o") == ["sales_orders"]
    assert "invoices" in complete("export", "inv")
    assert complete("import", "item_inv") == ["item_inventories",
                                              "item_inventory_assemblies"]
    assert complete("get", "custo") == ["customer_msgs", "customer_types", "customers"]


def test_company_info_as_json(blank_company):
    path = blank_company("info")
    result = CliRunner().invoke(cli, ["company", "info", str(path), "--json"])
    assert result.exit_code == 0
    facts = json.loads(result.output)
    assert facts["company"] == "Blank" and facts["file"] == str(path.resolve())
    assert facts["lists"]["StandardTerms"] == 7 and facts["transactions"] == {}
    assert facts["balanced"] is True and all(c["ok"] for c in facts["checks"].values())
