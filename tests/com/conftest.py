"""Fixtures: a fake QuickBooks Desktop machine and a fake Point of Sale workstation."""

from __future__ import annotations

import dataclasses

import pytest

from qbconnector.com import DesktopSession, PosSession
from qbconnector.qbxml.session import SessionOptions
from qbconnector.sandbox import SandboxSession

from .answerers import company_query_answerer, sandbox_answerer
from .fake_qbposxmlrp import PROG_ID as QBPOSXMLRP_PROG_ID
from .fake_qbposxmlrp import FakePointOfSale
from .fake_qbxmlrp2 import PROG_IDS as QBXMLRP2_PROG_IDS
from .fake_qbxmlrp2 import FakeQuickBooks

COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Rock Castle.qbw"
OTHER_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Larry's Landscaping.qbw"
APP_NAME = "qbconnector tests"
APP_ID = "qbconnector-test-app"


@pytest.fixture
def quickbooks(blank_company, pywin32):
    """QuickBooks Pro, not running, two company files (real sandbox company files behind
    them); our application authorized for one. Installed: pywin32 dispatches to it."""
    sessions = []
    answerers = {}
    for name, stem in ((COMPANY_FILE, "rock-castle"), (OTHER_FILE, "larrys-landscaping")):
        session = SandboxSession(blank_company(stem))
        session.open()
        sessions.append(session)
        answerers[name] = sandbox_answerer(session)
    machine = FakeQuickBooks(company_files=answerers)
    machine.grant(APP_NAME, COMPANY_FILE)
    pywin32.install_product(QBXMLRP2_PROG_IDS, machine.dispatch)
    yield machine
    for session in sessions:
        session.close()


@pytest.fixture
def desktop(quickbooks):
    """Make a DesktopSession on the fake machine; keyword arguments change SessionOptions."""
    made: list[DesktopSession] = []

    def make(**changes) -> DesktopSession:
        personal_data = changes.pop("personal_data", "optional")
        options = dataclasses.replace(
            SessionOptions(company_file=COMPANY_FILE, app_name=APP_NAME, app_id=APP_ID),
            **changes)
        session = DesktopSession(options, personal_data=personal_data)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()


@pytest.fixture
def point_of_sale(pywin32) -> FakePointOfSale:
    """A Point of Sale server workstation, installed: pywin32 dispatches to it."""
    machine = FakePointOfSale(
        computer_name="SHOP-SERVER",
        company_data={"Corner Store": company_query_answerer("Corner Store", sample=False)},
        practice_company=("Practice Store", company_query_answerer("Practice Store",
                                                                   sample=True)),
        installed_versions=("11", "12"))
    pywin32.install_product((QBPOSXMLRP_PROG_ID,), machine.dispatch)
    return machine


@pytest.fixture
def pos(point_of_sale):
    made: list[PosSession] = []

    def make(**changes) -> PosSession:
        computer = changes.pop("computer_name", "SHOP-SERVER")
        options = dataclasses.replace(
            SessionOptions(company_file="Corner Store", app_name=APP_NAME, app_id=APP_ID,
                           pos=True, pos_version="12"),
            **changes)
        session = PosSession(options, computer_name=computer)
        made.append(session)
        return session

    yield make
    for session in made:
        session.close()
