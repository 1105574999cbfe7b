"""The inside of the two biggest packages, ``sandbox/`` and ``api/``: every module lives in a
folder that names its part, the parts import each other one way only, and no module imports
another that (directly or not) imports it back, not even from inside a function — so no
function-local import is there to dodge a cycle.

Imports are read from the source with ``ast``: module-level ones, those inside functions and
those under ``TYPE_CHECKING`` (these count between parts, not between modules: they never run).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES = ("qbconnector.sandbox", "qbconnector.api")


@dataclass
class Module:
    name: str
    path: Path
    runtime: set[str] = field(default_factory=set)       # imported when the code runs
    typing: set[str] = field(default_factory=set)        # imported for type checkers only


def modules_of(package: str) -> dict[str, Module]:
    root = SRC / package.replace(".", "/")
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = Module(".".join(parts), path)
    for module in found.values():
        _read_imports(module, found)
    return found


def _read_imports(module: Module, known: dict[str, Module]) -> None:
    is_package = module.path.name == "__init__.py"

    def target(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = module.name.split(".")
        base = base if is_package else base[:-1]
        base = base[: len(base) - node.level + 1]
        return ".".join(base + ([node.module] if node.module else []))

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(child, True)
                continue
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = target(child)
                names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                         for alias in child.names]
            for name in names:
                if name in known and name != module.name:
                    (module.typing if typing_only else module.runtime).add(name)
            visit(child, typing_only)

    visit(ast.parse(module.path.read_text()), False)


def group_of(package: str, module: str) -> str | None:
    """The part a module belongs to: the first folder under the package (None for the root
    and the modules beside it)."""
    if module == package:
        return None
    rest = module[len(package) + 1:]
    path = SRC / package.replace(".", "/") / rest.split(".")[0]
    return rest.split(".")[0] if path.is_dir() else None


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of a directed graph as its nodes in order (first repeated last), or None."""
    state: dict[str, int] = {}           # 1 on the current path, 2 done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := walk(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := walk(start)) is not None:
            return found
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_lives_in_a_folder_that_names_its_part(package: str) -> None:
    modules = modules_of(package)
    loose = [m for m in modules if m != package and group_of(package, m) is None]
    assert loose == [], f"modules beside {package}/__init__.py, in no part: {loose}"
    parts = {group_of(package, m) for m in modules} - {None}
    assert len(parts) >= 2
    for part in parts:
        init = modules[f"{package}.{part}"].path
        assert ast.get_docstring(ast.parse(init.read_text())), f"{init}: say what the part is"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_parts_import_each_other_one_way_only(package: str) -> None:
    modules = modules_of(package)
    graph: dict[str, set[str]] = {}
    for module in modules.values():
        source = group_of(package, module.name)
        if source is None:
            continue                          # the package root only gathers the public names
        for imported in module.runtime | module.typing:
            dest = group_of(package, imported)
            if dest is not None and dest != source:
                graph.setdefault(source, set()).add(dest)
    cycle = find_cycle(graph)
    assert cycle is None, f"{package}: parts importing each other: {' -> '.join(cycle)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_itself_back_even_from_inside_a_function(package: str) -> None:
    modules = modules_of(package)
    graph = {m.name: {i for i in m.runtime if i != package} for m in modules.values()
             if m.name != package}
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"
    back = [m.name for m in modules.values() if package in m.runtime and m.name != package]
    assert back == [], f"modules importing names from {package}'s root: {back}"


def test_the_sandbox_parts_sit_in_the_documented_order() -> None:
    """Each part imports only those before it (the order the package docstring gives)."""
    package = "qbconnector.sandbox"
    order = ["storage", "core", "books", "records", "rules", "reports", "engine", "company"]
    modules = modules_of(package)
    assert {group_of(package, m) for m in modules} - {None} == set(order)
    for module in modules.values():
        source = group_of(package, module.name)
        for imported in module.runtime | module.typing:
            dest = group_of(package, imported)
            if source is not None and dest is not None:
                assert order.index(dest) <= order.index(source), \
                    f"{module.name} ({source}) imports {imported} ({dest}), a later part"


def test_the_package_is_marked_typed_and_its_door_is_annotated() -> None:
    import qbconnector

    assert (SRC / "qbconnector" / "py.typed").is_file()          # PEP 561: type checkers read
    hints = qbconnector.connect.__annotations__
    assert hints["return"] == "Connection" and "Session" in hints["target"]
