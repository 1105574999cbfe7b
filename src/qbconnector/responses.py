"""HTTP answers freed as soon as they are used, not at the next pass of the cycle collector.

httpx binds a response's stream to the response itself (to time it when it closes), so every
response sits in a reference cycle and its body, a page of records, waits for the cycle
collector. :func:`release` breaks the cycle once the body has been read; reference counting
then frees the response when the caller drops it.
"""

from __future__ import annotations

from typing import Any

import httpx

_EMPTY = httpx.ByteStream(b"")


def release(response: Any) -> None:
    """Break an httpx response's cycle with its stream once its body has been read (the body
    stays readable: ``content`` and ``text`` are kept on the response)."""
    stream = getattr(response, "stream", None)
    if stream is not None and getattr(stream, "_response", None) is response \
            and getattr(response, "is_stream_consumed", False):
        response.stream = _EMPTY
