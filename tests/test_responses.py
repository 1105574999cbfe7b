"""httpx answers are freed by reference counting once their body is read (the remote
connector's session and the QuickBooks Online session release them), not at the next pass of
the cycle collector."""

from __future__ import annotations

import gc
import weakref

import httpx

from qbconnector.responses import release


def test_a_released_response_is_freed_by_reference_counting() -> None:
    """A real httpx client (its own test transport): without release the response waits for
    the cycle collector; after it, the last reference frees it, and its body stays readable
    until then."""
    body = b"<QBXML>" + b"x" * 100_000 + b"</QBXML>"
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(
        200, content=body)))
    gc.disable()
    try:
        kept = client.get("http://qb.test/")
        kept_ref = weakref.ref(kept)
        del kept
        assert kept_ref() is not None           # the cycle holds it

        response = client.get("http://qb.test/")
        release(response)
        assert response.content == body and response.text.startswith("<QBXML>")
        response.close()                        # closing again after release is harmless
        ref = weakref.ref(response)
        del response
        assert ref() is None
    finally:
        gc.enable()
        gc.collect()
        client.close()
    assert kept_ref() is None                   # the collector frees the other one


def test_release_leaves_other_objects_alone() -> None:
    class Plain:
        stream = object()

    plain = Plain()
    stream = plain.stream
    release(plain)
    release(None)
    assert plain.stream is stream
