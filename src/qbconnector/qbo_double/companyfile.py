"""Creating and opening the double's company file (one SQLite file, one or more realms)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qbconnector.qbo_double.app import QBODouble
from qbconnector.qbo_double.realms import new_realm_id, seed_company
from qbconnector.qbo_double.samples import build_small

SAMPLES = ("none", "small")


def add_realm(double: QBODouble, name: str, sample: str = "none",
              realm: str | None = None) -> str:
    """A new company in the file; returns its realm id."""
    if sample not in SAMPLES:
        raise ValueError(f"unknown sample {sample!r}: choose {' or '.join(SAMPLES)}")
    realm = realm or new_realm_id()
    with double.store.transaction():
        double.store.add_realm(realm, name, double.clock())
        company = double.company(realm)
        notify, company.notify = company.notify, None
        seed_company(company, name)
        if sample == "small":
            build_small(company)
        company.notify = notify
    return realm


def create_company_file(path: str | Path, *, sample: str = "none", name: str | None = None,
                        realm: str | None = None) -> str:
    """Create a company file with one realm; returns the realm id."""
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    double = QBODouble(str(target))
    try:
        return add_realm(double, name or ("Sample Landscaping Co." if sample == "small"
                                          else "My Company"), sample, realm)
    finally:
        double.close()


def open_double(path: str | Path, *, clock: Callable[[], float] = time.time,
                **options: Any) -> QBODouble:
    """A QBODouble over an existing company file."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist (create it with --sample)")
    return QBODouble(str(path), clock=clock, **options)
