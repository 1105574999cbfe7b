"""One of the processes of the refresh-race test: waits for the go file, then makes one call
on saved connection ``books`` and prints what it had to do (JSON)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import qbconnector

go = Path(sys.argv[1])
deadline = time.monotonic() + 30
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
with qbconnector.connect("books") as qb:
    count = qb.customers.count()
    print(json.dumps({"count": count, "refreshes": qb.session.credentials.refreshes,
                      "unauthorized": qb.session.stats.unauthorized}))
