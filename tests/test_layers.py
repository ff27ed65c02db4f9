"""The rooms of the tree, checked from the source: extractors/ stays a few import layers deep
with no cycle, and each package imports only what its job allows (docs/architecture.md).

Imports are read with `ast`, so the ones inside functions and under TYPE_CHECKING count too:
a lazy import is still a dependency."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LAYERS = 5


def _imports(path: Path) -> set[str]:
    return imports_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).parent.parts)


def imports_in(source: str, package: tuple[str, ...]) -> set[str]:
    """Every module name a file of `package` imports (`from a.b import c` gives a.b and
    a.b.c); a relative import is read as the absolute one it stands for (`from . import c`
    in a/x.py gives a and a.c), so that it cannot hide a layer."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            anchor = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*anchor, *([node.module] if node.module else [])])
            if module:
                found.add(module)
            found.update(f"{module}.{alias.name}".lstrip(".") for alias in node.names)
    return found


def package_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports."""
    folder = ROOT / package
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for module in modules:
        names = _imports(folder / f"{module}.py")
        inside = {n.split(".")[1] for n in names if n.startswith(f"{package}.")}
        graph[module] = (inside & modules) - {module}
    return graph


def layers(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """Module -> its longest import chain (itself first); layer = len(chain). A cycle raises."""

    @cache
    def chain(module: str, seen: frozenset[str] = frozenset()) -> tuple[str, ...]:
        if module in seen:
            raise AssertionError(f"import cycle through {module}: {sorted(seen)}")
        below = [chain(d, seen | {module}) for d in sorted(graph[module])]
        return (module, *max(below, key=len, default=()))

    return {module: list(chain(module)) for module in graph}


def test_the_layer_count_sees_a_deep_chain_and_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": set(), "d": {"c"}}
    assert layers(graph)["a"] == ["a", "b", "c"]
    assert len(layers(graph)["d"]) == 2
    graph["c"] = {"a"}
    with pytest.raises(AssertionError, match="cycle"):
        layers(graph)


def test_relative_imports_count_as_the_modules_they_name() -> None:
    source = "from .fetch import get\nfrom . import urls\nfrom .. import flows\nimport json\n"
    assert imports_in(source, ("extractors",)) == {
        "extractors.fetch", "extractors.fetch.get", "extractors", "extractors.urls", "flows",
        "json",
    }  # fmt: skip
    assert imports_in("from extractors.records import Mention", ()) == {
        "extractors.records", "extractors.records.Mention",
    }  # fmt: skip


def test_extractors_form_at_most_five_layers_without_cycles() -> None:
    chains = layers(package_graph("extractors"))
    deepest = max(chains.values(), key=len)
    assert len(deepest) <= MAX_LAYERS, " -> ".join(deepest)
    # The records sit at the bottom: a module that needs only a record loads nothing else.
    assert chains["records"] == ["records"]


def _third_party(package: str) -> dict[str, set[str]]:
    return {
        p.name: {n.split(".")[0] for n in _imports(p)}
        for p in sorted((ROOT / package).rglob("*.py"))
    }


def test_extractors_never_import_prefect_or_duckdb() -> None:
    bad = {
        f: n & {"prefect", "duckdb", "flows", "warehouse"}
        for f, n in _third_party("extractors").items()
    }
    assert {f: n for f, n in bad.items() if n} == {}


def test_warehouse_never_imports_prefect_http_or_flows() -> None:
    banned = {"prefect", "flows", "httpx", "requests", "urllib3", "aiohttp"}
    bad = {f: n & banned for f, n in _third_party("warehouse").items()}
    assert {f: n for f, n in bad.items() if n} == {}


# SQL lives only in warehouse/: flows/ neither runs statements nor writes them.
_SQL = re.compile(
    r"^\s*(?:(?:SELECT|WITH)\b[\s\S]*\bFROM\b|UPDATE\s+\w+\s+SET\b|INSERT\s+(?:OR\s+\w+\s+)?INTO\b"
    r"|DELETE\s+FROM\b|(?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+)?"
    r"(?:TABLE|VIEW|INDEX|SEQUENCE|MACRO)\b)",
    re.IGNORECASE,
)
_CONNECTION_CALLS = {"execute", "executemany", "sql", "fetchone", "fetchall", "fetchmany"}


def sql_in(source: str) -> list[str]:
    """SQL statements written (as string literals) or run (connection calls) in `source`.
    Example queries inside help text do not count: they do not start the string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _SQL.match(node.value):
                found.append(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _CONNECTION_CALLS
        ):
            found.append(f".{node.func.attr}( on line {node.lineno}")
    return found


def test_the_sql_scan_finds_statements_and_spares_help_text() -> None:
    assert sql_in("con.execute(\"UPDATE runs SET status = 'x' \" \"WHERE flow = 'ingest'\")")
    assert sql_in('q = """\n  select count(*)\n  from mentions"""')
    assert sql_in("rows = cursor.fetchall()")
    assert not sql_in("HELP = 'e.g. labwatch sql \"select title from articles\"'")
    assert not sql_in('NOTE = "UPDATE: This story has been updated."')


def test_no_module_in_flows_contains_sql() -> None:
    found = {
        p.name: sql_in(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "flows").rglob("*.py"))
    }
    assert {name: sql for name, sql in found.items() if sql} == {}


if __name__ == "__main__":  # python -m tests.test_layers [PACKAGE]: the layers, as a table
    import sys

    try:
        found = layers(package_graph(sys.argv[1] if len(sys.argv) > 1 else "extractors"))
    except AssertionError as cycle:  # no layers to give
        sys.exit(str(cycle))
    for depth in range(1, max(map(len, found.values())) + 1):
        print(depth, " ".join(sorted(m for m, c in found.items() if len(c) == depth)))
    print("deepest:", " -> ".join(max(found.values(), key=len)))
