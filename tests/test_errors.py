"""The project's errors: every one is in one of the two documented trees, and the command line
maps those, and only those, to one-line messages; anything else is a bug with its traceback."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from extractors import errors as extractor_errors
from extractors.errors import GoldError, UsageError
from flows.cli import main, run_command
from flows.settings import SettingsError
from warehouse import errors as warehouse_errors
from warehouse.errors import InvalidWeekError

ROOT = Path(__file__).resolve().parents[1]


def _error_classes() -> dict[str, list[str]]:
    """Every class named *Error that derives from something (an exception, not a record
    such as eval_deals.Error), with the names of its bases."""
    found: dict[str, list[str]] = {}
    for package in ("extractors", "flows", "warehouse"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.name.endswith("Error") and node.bases:
                    bases = [
                        b.id if isinstance(b, ast.Name) else ast.unparse(b) for b in node.bases
                    ]
                    found[node.name] = bases
    return found


def test_every_project_error_is_in_a_documented_tree() -> None:
    classes = _error_classes()
    roots = {"LabwatchError", "WarehouseError"}

    def rooted(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in roots:
            return True
        bases = classes.get(name, [])
        return any(b not in seen and rooted(b, seen | {name}) for b in bases if b in classes)

    assert sorted(n for n in classes if not rooted(n)) == []
    documented = f"{extractor_errors.__doc__}\n{warehouse_errors.__doc__}"
    assert sorted(n for n in classes if n not in documented) == []


def test_a_bug_like_value_error_keeps_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def buggy() -> int:
        return int("not a number")  # a ValueError no one raised on purpose

    assert run_command("labwatch x", buggy) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal error: ValueError" in err
    assert "This is a bug in labwatch" in err


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidWeekError("not an ISO week: '2026-W99'"), 1),  # a ValueError, and ours
        (SettingsError("setting batch_size: cannot use 'x'"), 1),
        (GoldError("gold.jsonl:3: not JSON"), 1),
        (UsageError("no SQL given"), 2),
    ],
)
def test_project_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], error: Exception, status: int
) -> None:
    def failing() -> int:
        raise error

    assert run_command("labwatch x", failing) == status
    err = capsys.readouterr().err
    assert err.splitlines() == [err.strip()] and "Traceback" not in err
    assert err.startswith(f"labwatch x: error: {error}")
    assert ("--help" in err) == (status == 2)


def test_verbose_adds_the_traceback_of_a_project_error(capsys: pytest.CaptureFixture[str]) -> None:
    def failing() -> int:
        raise GoldError("gold.jsonl:3: not JSON")

    assert run_command("labwatch x", failing, verbose=True) == 1
    err = capsys.readouterr().err
    assert (
        "Traceback" in err and err.splitlines()[-1] == "labwatch x: error: gold.jsonl:3: not JSON"
    )


def test_a_bad_deals_gold_file_is_one_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was an internal error with a traceback: the deals gold loader raised a bare ValueError.
    for name in [k for k in os.environ if k.startswith("LABWATCH_")]:
        monkeypatch.delenv(name)
    gold = tmp_path / "gold.jsonl"
    gold.write_text("not json\n", encoding="utf-8")
    for command in ("deals", "tagging"):
        assert main(["--home", str(home), "eval", command, "--gold", str(gold)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"labwatch eval: error: {gold}:1:"), err
        assert "Traceback" not in err
