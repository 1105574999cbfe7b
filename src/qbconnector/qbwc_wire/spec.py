"""The Web Connector's eight SOAP operations, as facts: names, SOAPActions, parameters and
results in the WSDL's order, with their XML Schema types.

The facts come from ``data/operations.json``, written by ``tools/compile_qbwc_spec.py`` from
the WSDL Intuit published for Web Connector developers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Part:
    """A parameter or result: ``type`` is ``string``, ``int`` or ``ArrayOfString``."""

    name: str
    type: str
    required: bool


@dataclass(frozen=True)
class Operation:
    name: str
    soap_action: str
    params: tuple[Part, ...]
    result: Part

    def param(self, name: str) -> Part | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class Spec:
    namespace: str
    array_item: str
    operations: tuple[Operation, ...]

    def operation(self, name: str) -> Operation | None:
        return next((op for op in self.operations if op.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(op.name for op in self.operations)


@cache
def load() -> Spec:
    """The spec, read once."""
    raw = json.loads(resources.files(__package__).joinpath("data/operations.json").read_text())
    operations = tuple(
        Operation(op["name"], op["soap_action"], tuple(Part(**p) for p in op["params"]),
                  Part(**op["result"]))
        for op in raw["operations"])
    return Spec(raw["namespace"], raw["array_item"], operations)
