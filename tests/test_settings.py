"""Settings: defaults, the home's labwatch.toml, the environment; misspellings are errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from flows.settings import SettingsError, load_settings


def test_defaults(home: Path) -> None:
    settings = load_settings(home)
    assert settings.warehouse == home / "labwatch.duckdb"
    assert settings.digests_dir == home / "digests"
    assert settings.allowed_private_hosts == frozenset()
    assert settings.min_host_interval == 1.0
    assert settings.watchlist.name == "watchlist.toml" and settings.watchlist.is_file()


def test_file_then_environment_then_overrides(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "labwatch.toml").write_text("batch_size = 10\ntimeout = 5.5\n")
    assert load_settings(home).batch_size == 10
    monkeypatch.setenv("LABWATCH_BATCH_SIZE", "20")
    monkeypatch.setenv("LABWATCH_ALLOWED_PRIVATE_HOSTS", "intranet.example, 127.0.0.1:8765")
    settings = load_settings(home)
    assert (settings.batch_size, settings.timeout) == (20, 5.5)
    assert settings.allowed_private_hosts == {"intranet.example", "127.0.0.1:8765"}
    assert settings.fetch_limits().allowed_private_hosts == {"intranet.example", "127.0.0.1:8765"}
    assert load_settings(home, batch_size=30).batch_size == 30


def test_home_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABWATCH_HOME", str(tmp_path))
    assert load_settings().home == tmp_path


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("LABWATCH_BATCHSIZE", "3", "unknown setting"),
        ("LABWATCH_BATCH_SIZE", "many", "cannot use"),
        ("LABWATCH_MIN_HOST_INTERVAL", "soon", "cannot use"),
        ("LABWATCH_ALLOW_PRIVATE_PAGES", "1", "unknown setting"),
    ],
)
def test_bad_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=message):
        load_settings(home)


def test_example_file_is_valid_and_holds_the_defaults(home: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "labwatch.example.toml"
    (home / "labwatch.toml").write_text(example.read_text(encoding="utf-8"))
    other = home.parent / "elsewhere"
    assert load_settings(home) == dataclasses.replace(load_settings(other), home=home)
