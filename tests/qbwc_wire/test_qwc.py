"""The .QWC file: written, read back, and refused where the Web Connector would refuse it."""

from __future__ import annotations

import pytest

from qbconnector.qbwc_wire.qwc import QWC, QWCError, check_app_url, parse, render

GOOD = QWC(app_name="Shop & Co", app_url="https://books.example.com/qbwc", user_name="shop",
           owner_id="{57571CAA-E934-4F14-B3BF-DFDBACDD273A}",
           file_id="{DC25FDA6-BCE2-493B-9E04-A1560BDE96E4}", run_every_seconds=300,
           app_support="https://books.example.com/qbwc?support")


def test_written_and_read_back():
    text = render(GOOD)
    assert "<RunEveryNMinutes>5</RunEveryNMinutes>" in text and "Shop &amp; Co" in text
    assert parse(text) == GOOD
    every_45 = QWC(**{**GOOD.__dict__, "run_every_seconds": 45, "qb_type": "QBPOS"})
    assert "<RunEveryNSeconds>45</RunEveryNSeconds>" in render(every_45)
    assert parse(render(every_45)) == every_45


@pytest.mark.parametrize("url", ["http://127.0.0.1:8167/qbwc", "http://localhost/qbwc",
                                 "http://[::1]:8000/qbwc", "https://books.example.com/qbwc"])
def test_https_or_loopback_urls_are_accepted(url: str):
    assert check_app_url(url) == url


@pytest.mark.parametrize("url", ["http://books.example.com/qbwc", "http://10.0.0.5:8167/qbwc",
                                 "ftp://localhost/qbwc", "books.example.com/qbwc"])
def test_other_urls_are_refused_as_the_web_connector_refuses_them(url: str):
    with pytest.raises(QWCError):
        check_app_url(url)


@pytest.mark.parametrize("text, match", [
    ("<QBWCXML><AppName>a</AppName></QBWCXML>", "has no AppURL"),
    ("<QBWC/>", "root element"),
    ("not xml", "not a .QWC file"),
    ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><QBWCXML>&e;</QBWCXML>', "DTD"),
    (render(GOOD).replace("{57571CAA-E934-4F14-B3BF-DFDBACDD273A}", "not-a-guid"), "OwnerID"),
    (render(GOOD).replace("QBFS", "QBXX"), "QBType"),
    (render(GOOD).replace("https://books", "http://books"), "requires https"),
    (render(GOOD).replace("<RunEveryNMinutes>5", "<RunEveryNMinutes>five"), "whole number"),
])
def test_files_the_web_connector_would_refuse(text: str, match: str):
    with pytest.raises(QWCError, match=match):
        parse(text)
