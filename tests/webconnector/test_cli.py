"""The Web Connector commands as a user meets them: Web Connector users, the .QWC file (https
required except on this machine), the queues' status, and ``webconnector run``'s unhappy
paths — each one line and an exit status, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qbconnector.cli.main import cli
from qbconnector.qbwc_wire.qwc import parse
from qbconnector.server.passwords import verify_password
from qbconnector.server.settings import load_settings


def invoke(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "connector.toml"


def test_web_connector_users_and_their_qwc_file(config: Path, tmp_path: Path):
    added = invoke("qbwc", "users", "add", "shop", "--config", str(config), "--company-file",
                   "C:\\Books\\shop.qbw", "--password-stdin", input="shop-secret\n")
    assert added.exit_code == 0, added.output
    again = invoke("qbwc", "users", "add", "shop", "--config", str(config),
                   "--password-stdin", input="x\n")
    assert again.exit_code == 1 and "exists" in again.output
    user = load_settings(config).WebConnectorUsers["shop"]
    assert verify_password("shop-secret", user.Password) and "shop-secret" not in \
        config.read_text()
    out = tmp_path / "shop.qwc"
    written = invoke("qbwc", "qwc", "shop", "--config", str(config), "--out", str(out),
                     "--every", "300")
    assert written.exit_code == 0, written.output
    qwc = parse(out.read_bytes())
    assert (qwc.user_name, qwc.app_url, qwc.run_every_seconds) == (
        "shop", "http://127.0.0.1:8167/qbwc", 300)
    assert (qwc.owner_id, qwc.file_id) == (user.OwnerID, user.FileID)   # kept, not remade
    # listening on every interface without TLS: the Web Connector would refuse http
    invoke("config", "set", "LocalHost", "0.0.0.0", "--config", str(config))
    refused = invoke("qbwc", "qwc", "shop", "--config", str(config), "--out", "-")
    assert refused.exit_code == 1 and "requires https" in refused.output
    public = invoke("qbwc", "qwc", "shop", "--config", str(config), "--out", "-", "--url",
                    "https://books.example.com:8167/qbwc")
    assert public.exit_code == 0 and "<AppURL>https://books.example.com:8167/qbwc" in \
        public.output
    assert invoke("qbwc", "qwc", "nobody", "--config", str(config)).exit_code == 1
    listed = json.loads(invoke("qbwc", "users", "list", "--config", str(config),
                               "--json").output)
    assert listed[0]["company_file"] == "C:\\Books\\shop.qbw" and listed[0]["password"] \
        == "scrypt"
    shown = invoke("config", "show", "--config", str(config)).output
    assert "[WebConnector.Users.shop]" in shown and "<scrypt hash>" in shown
    assert invoke("qbwc", "users", "edit", "shop", "--config", str(config),
                  "--company-file", "").exit_code == 0
    assert load_settings(config).WebConnectorUsers["shop"].CompanyFile == ""
    status = invoke("qbwc", "status", "--config", str(config))
    assert "shop: 0 waiting" in status.output and "last poll never" in status.output
    assert invoke("qbwc", "users", "remove", "shop", "--config", str(config)).exit_code == 0
    assert "no Web Connector users" in invoke("qbwc", "status", "--config",
                                              str(config)).output


@pytest.mark.parametrize("table, problem", [
    ({"Users": {"shop": {}}}, "Password: required"),
    ({"Users": {"shop": {"Password": "x", "Colour": "red"}}}, "unknown Web Connector user"),
    ({"Users": {"shop": {"Password": "x", "OwnerID": "nope"}}}, "not a GUID"),
    ({"Queue": 1}, "WebConnector.Queue"),
])
def test_bad_web_connector_settings_are_named(config: Path, table: dict, problem: str):
    import tomli_w

    config.write_text(tomli_w.dumps({"WebConnector": table}))
    checked = invoke("config", "check", "--config", str(config))
    assert checked.exit_code != 0 and problem in checked.output


def test_a_bad_web_connector_url_setting_is_refused(config: Path):
    done = invoke("config", "set", "WebConnectorURL", "http://books.example.com/qbwc",
                  "--config", str(config))
    assert done.exit_code != 0 and "requires https" in done.output


QWC_TEXT = ('<?xml version="1.0"?><QBWCXML><AppName>A</AppName><AppURL>{url}</AppURL>'
            "<UserName>u</UserName><OwnerID>{{57571CAA-E934-4F14-B3BF-DFDBACDD273A}}"
            "</OwnerID><FileID>{{DC25FDA6-BCE2-493B-9E04-A1560BDE96E4}}</FileID>"
            "<QBType>QBFS</QBType></QBWCXML>")


def test_webconnector_run_unhappy_paths(tmp_path: Path, company: Path):
    qwc = tmp_path / "app.qwc"
    qwc.write_text(QWC_TEXT.format(url="http://127.0.0.1:9/qbwc"))   # nothing listens
    env = {"WC_PASSWORD": "x"}
    unreachable = invoke("webconnector", "run", str(qwc), "--company", str(company),
                         "--password-env", "WC_PASSWORD", env=env)
    assert unreachable.exit_code == 5 and "cannot reach" in unreachable.output
    no_password = invoke("webconnector", "run", str(qwc), "--company", str(company))
    assert no_password.exit_code == 2 and "--password-env" in no_password.output
    unset = invoke("webconnector", "run", str(qwc), "--company", str(company),
                   "--password-env", "NOT_SET_ANYWHERE")
    assert unset.exit_code == 2 and "not set" in unset.output
    both = invoke("webconnector", "run", str(qwc), "--company", str(company),
                  "--password-env", "WC_PASSWORD", "--password-stdin", env=env)
    assert both.exit_code == 2
    no_target = invoke("webconnector", "run", str(qwc), "--password-env", "WC_PASSWORD",
                       env=env)
    assert no_target.exit_code == 2 and "--company FILE" in no_target.output
    missing = invoke("webconnector", "run", str(qwc), "--company", str(tmp_path / "no.qbdb"),
                     "--password-env", "WC_PASSWORD", env=env)
    assert missing.exit_code == 5 and "no sandbox company file" in missing.output
    qwc.write_text(QWC_TEXT.format(url="http://books.example.com/qbwc"))
    plain = invoke("webconnector", "run", str(qwc), "--company", str(company),
                   "--password-env", "WC_PASSWORD", env=env)
    assert plain.exit_code == 1 and "requires https" in plain.output
    qwc.write_text("<QBWCXML>")
    broken = invoke("webconnector", "run", str(qwc), "--company", str(company),
                    "--password-env", "WC_PASSWORD", env=env)
    assert broken.exit_code == 1 and "not a .QWC file" in broken.output
    for result in (unreachable, no_password, unset, both, no_target, missing, plain, broken):
        assert "Traceback" not in result.output and not isinstance(result.exception, KeyError)


def test_qbwc_is_a_connectors_backend_only():
    from qbconnector import targets
    from qbconnector.errors import TargetError

    with pytest.raises(TargetError, match="connector's backend"):
        targets.make_session("qbwc")
    assert targets.session_factory("qbwc").kind == "qbwc"


def test_test_connection_and_config_check_with_the_web_connector_backend(config: Path):
    invoke("users", "add", "alice", "--config", str(config), "--password-stdin",
           input="alice-secret\n")
    invoke("config", "set", "Backend", "qbwc", "--config", str(config))
    checked = invoke("config", "check", "--config", str(config))
    assert "no Web Connector user" in checked.output
    assert invoke("test-connection", "--config", str(config)).exit_code == 1
    invoke("qbwc", "users", "add", "shop", "--config", str(config), "--password-stdin",
           input="shop-secret\n")
    probed = invoke("test-connection", "--config", str(config))
    assert probed.exit_code == 1 and "no Web Connector has polled yet" in probed.output
    assert "Web Connector shop: last poll never" in probed.output
