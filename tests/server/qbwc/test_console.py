"""The admin console's Status tab shows each Web Connector user's queue and last poll."""

from __future__ import annotations

from pathlib import Path

from qbconnector import targets
from qbconnector.server.settings import update_settings_file
from qbconnector.webconnector import ServiceClient
from tests.server.console.conftest import Admin, make_settings, start_console
from tests.server.qbwc.rig import WC_PASSWORD, WC_USER, write_settings


def test_the_status_tab_shows_the_web_connector_queue_and_last_poll(tmp_path: Path):
    from qbconnector.server.settings import read_raw

    (tmp_path / "rig").mkdir()
    wc = read_raw(write_settings(tmp_path / "rig"))["WebConnector"]
    path = make_settings(tmp_path, Backend="qbwc")
    update_settings_file(path, lambda raw: raw.update(WebConnector=wc))
    server = start_console(path, targets.session_factory("qbwc"), "")
    admin = Admin(server)
    try:
        before = admin.get("/api/status").json()
        assert before["backend"] == "the QuickBooks Web Connector polling /qbwc"
        assert before["queues"][f"Web Connector {WC_USER}"] == {
            "waiting": 0, "handed out": 0, "last poll": "never"}
        client = ServiceClient(server.url + "qbwc")
        assert client.call("authenticate", strUserName=WC_USER,
                           strPassword=WC_PASSWORD)[1] == "none"
        client.close()
        after = admin.get("/api/status").json()["queues"][f"Web Connector {WC_USER}"]
        assert after["last poll"].startswith("20")
        script = admin.get("/console.js").text
        assert "typeof v === \"string\"" in script   # the tile shows the last poll too
    finally:
        admin.close()
        server.stop()
