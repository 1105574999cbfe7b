"""Every fact has one home: the wire vocabulary, the version, the exception root.

These read the source: a second copy of a header name, a status code written as a number in
the server or the client, a layer importing the package root, or an error class outside the
root would each make them fail.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import tomllib
from pathlib import Path

import pytest

import qbconnector
from qbconnector import errors, wire

SRC = Path(qbconnector.__file__).parent
REPO = SRC.parent.parent


def sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in SRC.rglob("*.py")}


def imports_of(text: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


# -- the wire vocabulary ------------------------------------------------------------------------
def test_header_names_are_written_only_in_the_wire_module():
    others = {p: t.lower() for p, t in sources().items() if p.name != "wire.py"}
    for header in wire.HEADERS:
        written = [p.relative_to(SRC) for p, text in others.items() if header.lower() in text]
        assert not written, f"{header} is spelled out again in {written}"


def test_server_and_client_take_codes_and_interaction_types_from_the_wire_module():
    sides = [SRC / "server" / "protocol.py", SRC / "server" / "app.py",
             *sorted((SRC / "remote").glob("*.py"))]
    vocabulary = {*range(400, 406), 411, 413, 500, 503, 517, *range(101, 107)}
    for path in sides:
        written = [node.value for node in ast.walk(ast.parse(path.read_text()))
                   if isinstance(node, ast.Constant) and type(node.value) is int
                   and node.value in vocabulary]
        assert not written, (f"{path.relative_to(SRC)} writes status codes or interaction "
                             f"types as numbers: {written}")
    assert "qbconnector.wire" in imports_of((SRC / "server" / "protocol.py").read_text())
    assert "qbconnector.wire" in imports_of((SRC / "remote" / "session.py").read_text())
    assert "qbconnector.wire" in imports_of((SRC / "remote" / "endpoint.py").read_text())
    assert "qbconnector.wire" in imports_of((SRC / "remote" / "errors.py").read_text())


def test_the_wire_module_is_pure():
    ours = {name for name in imports_of((SRC / "wire.py").read_text())
            if name.startswith("qbconnector")}
    assert ours == set()


def test_one_response_writer_and_one_read_only_rule():
    for path, text in sources().items():
        if path.name in ("respond.py",):
            continue
        assert "<?xml version=\"1.0\" ?>" not in text, f"{path} writes a response envelope"
    rule = [p for p, t in sources().items() if re.search(r"endswith\(\"QueryRq\"\)", t)]
    assert [p.relative_to(SRC) for p in rule] == [Path("qbxml/access.py")]


# -- the version --------------------------------------------------------------------------------
def test_the_version_has_one_home():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "src/qbconnector/_version.py"
    defined = [p for p, t in sources().items() if re.search(r"^__version__\s*=", t, re.M)]
    assert defined == [SRC / "_version.py"]
    assert qbconnector.__version__ == importlib.import_module("qbconnector._version").__version__


def test_no_layer_imports_the_package_root():
    for path, text in sources().items():
        if path == SRC / "__init__.py":
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name != "qbconnector" for a in node.names), path
            if isinstance(node, ast.ImportFrom) and node.module == "qbconnector":
                for alias in node.names:   # submodules only: never the root's attributes
                    assert (SRC / f"{alias.name}.py").exists() or (SRC / alias.name).is_dir(), \
                        f"{path.relative_to(SRC)} imports {alias.name} from the package root"


# -- the exception root -------------------------------------------------------------------------
INTERNAL = {   # raised and caught inside qbconnector, never seen by a caller
    "QBStatus": "the sandbox's way of answering with a status; becomes a response",
    "QueueTimeout": "a job that waited too long; the server answers 503",
    "HostileOrMalformed": "the server's scan of a body; answered 517 0x80040400",
    "PinMismatch": "an ssl error inside the TLS handshake; becomes RemoteCertificateError",
    "InsecureConnectionWarning": "a warning, not an error",
    "CertificateExpiredWarning": "a warning, not an error",
    "ClientGone": "the server's note that a client left mid-request; nothing is answered",
    "OAuthError": "the QuickBooks Online double's OAuth error reply, answered as JSON",
    "BodyTooLarge": "the QuickBooks Online double's refusal of a body, answered 413",
    "ComError": "pywin32's com_error where pywin32 is absent; becomes RequestProcessorError",
    "Failure": "the command line's exit with a message and an exit code (click prints it)",
}


def our_modules():
    for info in pkgutil.walk_packages([str(SRC)], "qbconnector."):
        if info.name.endswith(".winservice"):      # imports pywin32's service modules
            continue
        yield importlib.import_module(info.name)


def test_every_error_is_a_qbconnector_error():
    seen = set()
    for module in our_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, BaseException):
                continue
            seen.add(name)
            if name in INTERNAL:
                continue
            assert issubclass(cls, errors.QBConnectorError), \
                f"{module.__name__}.{name} is not a QBConnectorError"
    assert set(INTERNAL) <= seen
    assert len(seen) > 30


@pytest.mark.parametrize("name", [
    "QBConnectorError", "ConflictError", "DuplicateNameError", "InvalidReferenceError",
    "ValidationError", "TargetError", "TransportError", "AuthenticationError",
    "PermissionDeniedError", "RequestProcessorError", "NotFoundError", "QBError",
    "SessionError"])
def test_the_public_errors_are_importable_from_the_root(name):
    cls = getattr(qbconnector, name)
    assert cls is getattr(errors, name) and issubclass(cls, errors.QBConnectorError)


def test_errors_of_every_layer_are_of_the_public_kinds():
    from qbconnector.api.records.errors import QBError, error_for
    from qbconnector.profiles import ProfileError
    from qbconnector.qbxml.build import BuildError
    from qbconnector.qbxml.session import RequestProcessorError, TransportError
    from qbconnector.qbxml.validate import ValidationError
    from qbconnector.targets import TargetError

    assert TargetError is errors.TargetError and issubclass(ProfileError, errors.TargetError)
    assert issubclass(ValidationError, errors.ValidationError)
    assert issubclass(BuildError, errors.ValidationError)
    assert RequestProcessorError is errors.RequestProcessorError
    assert TransportError is errors.TransportError and QBError is errors.QBError
    refused = error_for(3260, "Error", "Insufficient permission level to perform this action.")
    assert isinstance(refused, errors.PermissionDeniedError) and refused.status_code == 3260
    assert isinstance(error_for(3200, "Error", "stale"), errors.ConflictError)


@pytest.mark.parametrize("name", sorted(qbconnector._LAZY_ERRORS))
def test_errors_of_one_part_are_importable_from_the_root_too(name):
    cls = getattr(qbconnector, name)
    assert cls.__name__ == name and cls.__module__ == qbconnector._LAZY_ERRORS[name]
    assert issubclass(cls, errors.QBConnectorError)
    assert name in qbconnector.__all__


def test_the_root_names_no_error_it_does_not_have():
    with pytest.raises(AttributeError, match="NoSuchError"):
        qbconnector.NoSuchError  # noqa: B018
