"""AllowedClients: comma-separated host names or addresses with ``*`` wildcards.

An empty list or ``*`` lets anyone in. Patterns that look like addresses are matched against
the client's IP address; patterns with letters are also matched against the client's host
name, found by a reverse lookup only when such a pattern exists (and cached).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.IGNORECASE)


def _looks_like_address(pattern: str) -> bool:
    return all(c in "0123456789abcdefABCDEF.:*[]" for c in pattern)


class AllowedClients:
    """Decides whether a client address may talk to the connector."""

    def __init__(self, spec: str, *,
                 resolve: Callable[[str], str | None] | None = None,
                 cache_seconds: float = 300.0) -> None:
        items = [p.strip() for p in spec.split(",") if p.strip()]
        self.anyone = not items or "*" in items
        self._address_patterns = [_compile(p.strip("[]")) for p in items
                                  if _looks_like_address(p)]
        self._name_patterns = [_compile(p) for p in items if not _looks_like_address(p)]
        self._resolve = resolve or _reverse_lookup
        self._names: dict[str, tuple[str | None, float]] = {}
        self._cache_seconds = cache_seconds

    @property
    def needs_lookup(self) -> bool:
        return not self.anyone and bool(self._name_patterns)

    def allows_address(self, address: str) -> bool | None:
        """True/False when the address alone decides; None when a host-name lookup is needed."""
        if self.anyone:
            return True
        forms = {address}
        try:
            ip = ipaddress.ip_address(address)
            if ip.version == 6 and ip.ipv4_mapped:
                forms.add(str(ip.ipv4_mapped))
            forms.add(str(ip))
        except ValueError:
            pass
        if any(p.fullmatch(f) for p in self._address_patterns for f in forms):
            return True
        return None if self._name_patterns else False

    def allows(self, address: str) -> bool:
        """Whether ``address`` may connect (may do a cached reverse DNS lookup)."""
        decided = self.allows_address(address)
        if decided is not None:
            return decided
        name = self._host_name(address)
        if name is None:
            return False
        return any(p.fullmatch(name) or p.fullmatch(name.split(".")[0])
                   for p in self._name_patterns)

    def _host_name(self, address: str) -> str | None:
        now = time.monotonic()
        cached = self._names.get(address)
        if cached is not None and now - cached[1] < self._cache_seconds:
            return cached[0]
        name = self._resolve(address)
        if len(self._names) > 10000:
            self._names.clear()
        self._names[address] = (name, now)
        return name


def _reverse_lookup(address: str) -> str | None:
    try:
        return socket.gethostbyaddr(address)[0]
    except OSError:
        return None
