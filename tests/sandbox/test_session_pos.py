"""A sandbox session asked for Point of Sale says it has none (the server answers 517)."""

from __future__ import annotations

import pytest

from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.sandbox import SandboxSession


def test_point_of_sale_is_not_available_in_a_sandbox(blank_company):
    session = SandboxSession(blank_company("pos"), SessionOptions(pos=True))
    with pytest.raises(RequestProcessorError, match="Point of Sale is not available") as info:
        session.open()
    assert info.value.hresult == 0x80040401
