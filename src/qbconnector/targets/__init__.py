"""The one door to every backend: a target (a connect string) in, sessions out.

=====================================================  =========================================
``shop.qbdb``, ``/path/to/file``, ``file:///path``     a sandbox company file (must exist)
``sandbox``                                            (a connector) sandbox files by CompanyFile
``http(s)://[user[:password]@]host[:port][/?opts]``    another connector (RemoteSession)
``com://[?company=C:\\...&app=MyApp&mode=multi]``      QuickBooks on this Windows machine (COM)
``qbo://REALM``                                        QuickBooks Online (records API only)
``office``                                             a saved connection (``connections.toml``)
``qbwc``                                               (a connector) the Web Connector polling in
=====================================================  =========================================

:func:`make_session` / :func:`open_session` give one Session (the records API, ``request``);
:func:`session_factory` gives a :class:`Backend`, the sessions a connector serves (``serve``,
the service, ``test-connection``); :func:`make_connection` gives the records-API connection of
kinds that speak no qbXML (QuickBooks Online). ``serve``, the service, ``request``,
``test-connection``, ``connect()`` and every record command reach their backend through here
and nowhere else.

Options come as keyword arguments or, for URLs, in the query string (keyword arguments win):

- every backend: ``app`` (app_name), ``app_id``, ``read_only``, ``pos``, ``pos_practice``,
  ``pos_version``, and ``options`` (a SessionOptions to start from; keyword arguments only);
- COM: ``company`` (company_file), ``mode`` (connection_mode: single, multi, dontcare),
  ``auth_flags``, ``unattended``;
- remote: ``user``, ``password`` (keyword only, never in a query string), ``password_env``
  (the name of a variable holding it), ``ca_file``, ``fingerprint``, ``insecure``,
  ``persistent``, ``timeout`` (seconds), ``delay_after_open_ms``. With a user and no password,
  the password is taken from ``QBCONNECTOR_PASSWORD``. ``persistent`` defaults to true for a
  session (the records API pages with iterators) and to false for a connector's backend.

A saved connection supplies its target and options (its password from an environment
variable or the keyring); keyword arguments win over them. New kinds of backend are added
with :func:`register` (see :mod:`qbconnector.targets.kinds`). Backends are imported only when
a target names them.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qbconnector.errors import TargetError
from qbconnector.qbxml.session import Session
from qbconnector.targets import com, qbo, qbwc, remote, sandbox
from qbconnector.targets.kinds import Backend, TargetKind, examples, register
from qbconnector.targets.kinds import by_scheme as _by_scheme
from qbconnector.targets.kinds import by_word as _by_word
from qbconnector.targets.kinds import for_paths as _for_paths
from qbconnector.targets.options import PASSWORD_ENV
from qbconnector.targets.remote import describe

__all__ = ["PASSWORD_ENV", "Backend", "TargetError", "TargetKind", "default_backend",
           "describe", "kind_of", "make_connection", "make_session", "open_session", "register",
           "resolve", "session_factory"]

for _kind in (sandbox.KIND, remote.KIND, com.KIND, qbwc.KIND, qbo.KIND):
    register(_kind)

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
#: Options of a saved connection that belong to the records API, not to the session.
CONNECTION_OPTIONS = ("version", "page_size")


def _scheme(text: str) -> str:
    match = _SCHEME.match(text)
    return match.group(1).lower() if match and len(match.group(1)) > 1 else ""  # not C:\


def _looks_like_a_path(text: str) -> bool:
    return (Path(text).expanduser().exists() or "/" in text or "\\" in text
            or text.lower().endswith((sandbox.SANDBOX_SUFFIX, ".qbw")))


def resolve(target: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """The connect string a target stands for and the options it brings: a saved
    connection's target and options (its password looked up), anything else unchanged."""
    text = os.fspath(target).strip()
    if not text:
        raise TargetError(f"empty connect string: give {examples()} or a saved connection name")
    if _scheme(text) or _by_word(text) is not None or _looks_like_a_path(text):
        return text, {}
    from qbconnector import profiles

    saved = profiles.load_profiles()
    if text not in saved:
        known = (f"saved: {', '.join(sorted(saved))}" if saved else "none is saved")
        raise TargetError(f"{text!r} is neither an existing sandbox company file, a URL nor a "
                          f"saved connection ({known} in {profiles.profiles_path()}); "
                          f"targets look like {examples()}")
    real, options = profiles.resolve(text)
    if not _scheme(real) and _by_word(real) is None and not _looks_like_a_path(real):
        raise TargetError(f"saved connection {text!r} names {real!r}, which is not a company "
                          "file or URL (a saved connection cannot name another)")
    return real, options


def _locate(target: str | os.PathLike[str], options: Mapping[str, Any]
            ) -> tuple[TargetKind, str, dict[str, Any]]:
    text, saved = resolve(target)
    merged = {k: v for k, v in saved.items() if k not in CONNECTION_OPTIONS}
    merged.update({k: v for k, v in options.items() if v is not None})
    scheme = _scheme(text)
    kind = _by_scheme(scheme) if scheme else _by_word(text) or _for_paths()
    if kind is None:
        raise TargetError(f"unknown connect string scheme {scheme!r} in {describe(text)!r}: "
                          f"use {examples()} or a saved connection name "
                          f"(schemes: {', '.join(_known_schemes())})")
    return kind, text, merged


def _known_schemes() -> list[str]:
    from qbconnector.targets.kinds import schemes

    return schemes()


def make_connection(target: str | os.PathLike[str], **options: Any) -> Any | None:
    """The records-API connection of a target whose kind makes its own (QuickBooks Online),
    not opened yet; None for qbXML targets (they give Sessions: :func:`make_session`)."""
    kind, text, merged = _locate(target, options)
    if kind.connection is None:
        return None
    return kind.connection(text, merged)


def kind_of(target: str | os.PathLike[str]) -> str:
    """The name of the kind of backend a target names (``sandbox``, ``remote``, ``com``...)."""
    kind, _, _ = _locate(target, {})
    return kind.name


def make_session(target: str | os.PathLike[str], **options: Any) -> Session:
    """The Session a target names, not opened yet (see the module doc for options)."""
    kind, text, merged = _locate(target, options)
    return kind.session(text, merged)


def open_session(target: str | os.PathLike[str], **options: Any) -> Session:
    """The Session a target names, opened (close it, or use it in a ``with`` block)."""
    session = make_session(target, **options)
    try:
        session.open()
    except BaseException:
        with contextlib.suppress(Exception):   # the open error is the one to report
            session.close()
        raise
    return session


def session_factory(target: str | os.PathLike[str], **options: Any) -> Backend:
    """The sessions a connector serves from a target: a :class:`Backend` (a SessionFactory).

    Each session gets the options the server asks for (its user's company file, application
    name, read-only, connection mode, Point of Sale); the target supplies the company file of
    users without one (``backend.default_company``) and ``read_only=1`` makes every session
    read-only. Call ``close()`` when the server stops (the server does it itself).
    """
    kind, text, merged = _locate(target, options)
    return kind.backend(text, merged)


def default_backend() -> str:
    """The backend a connector serves when none is configured: ``com://`` where QuickBooks'
    request processor is registered (Windows with pywin32), the sandbox elsewhere."""
    from qbconnector.com.installed import available

    return "com://" if available() else sandbox.WORD
