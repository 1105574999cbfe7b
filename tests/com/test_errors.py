"""COM errors become RequestProcessorError with the right HRESULT and text."""

from __future__ import annotations

import pytest

from qbconnector.com import hresults
from qbconnector.com.errors import ComError, hresult_and_text, to_request_processor_error
from qbconnector.qbxml.status import hresult_message

from .fake_com import class_string_error, processor_error


def test_hresult_comes_from_excepinfo_and_is_unsigned():
    # pywin32's shape for a failing IDispatch call: DISP_E_EXCEPTION, the real code in scode.
    error = ComError(-2147352567, "Exception occurred.",
                     (0, "QBXMLRP2.RequestProcessor", "QuickBooks says no.", None, 0,
                      -2147220477), None)
    converted = to_request_processor_error(error)
    assert converted.hresult == 0x80040403
    assert converted.message == "QuickBooks says no."


def test_missing_description_falls_back_to_the_catalogue():
    error = ComError(-2147352567, "Exception occurred.",
                     (0, None, None, None, 0, hresults.signed(hresults.HR_PARSE_ERROR)), None)
    converted = to_request_processor_error(error)
    assert converted.hresult == hresults.HR_PARSE_ERROR
    assert converted.message == hresult_message(hresults.HR_PARSE_ERROR)


def test_plain_com_error_keeps_its_hresult_and_windows_text():
    converted = to_request_processor_error(class_string_error())
    assert converted.hresult == 0x800401F3
    assert converted.message == "Invalid class string"


def test_dispatch_exception_without_scode_keeps_the_description():
    error = ComError(-2147352567, "Exception occurred.", (0, None, "odd failure", None, 0, 0),
                     None)
    assert hresult_and_text(error) == (hresults.DISP_E_EXCEPTION, "odd failure")


def test_the_fake_raises_what_the_session_reads():
    hresult, text = hresult_and_text(processor_error(hresults.HR_INVALID_TICKET))
    expected = hresults.HR_INVALID_TICKET
    assert (hresult, text) == (expected, hresult_message(expected))


def test_non_com_errors_are_not_taken_for_com_errors():
    with pytest.raises(TypeError):
        hresult_and_text(ValueError("boom"))


@pytest.mark.parametrize("value", [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0x8004_0400, 0xFFFF_FFFF])
def test_signed_and_unsigned_round_trip(value):
    as_long = hresults.signed(value)
    assert -(2**31) <= as_long < 2**31
    assert hresults.unsigned(as_long) == value
