"""Requests for the COM tests, built and read with qbconnector's own qbXML codec."""

from __future__ import annotations

from qbconnector.qbxml.build import Message, build, build_one
from qbconnector.qbxml.parse import Record, Response, parse_response


def host_query(version: str = "13.0", request_id: str = "1") -> str:
    return build_one("HostQuery", version=version, requestID=request_id)


def unchecked_host_query(version: str) -> str:
    """A HostQuery claiming a version the codec would refuse to build (to reach QuickBooks)."""
    return host_query().replace('version="13.0"', f'version="{version}"')


def company_query(version: str = "3.0") -> str:
    return build(Message("CompanyQuery", None, requestID="7"), family="qbposxml",
                 version=version)


def only_response(response_text: str) -> Response:
    responses = parse_response(response_text)
    assert len(responses) == 1, responses
    return responses[0]


def only_record(response_text: str) -> Record:
    response = only_response(response_text)
    assert response.status_code == 0, response
    assert len(response.records) == 1, response
    return response.records[0]
