"""Settings: defaults, the home's labwatch.toml, the environment; misspellings are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import Settings, SettingsError, SettingsSources, allowed, load_settings


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
        ("LABWATCH_BATCH_SIZE", "many", "cannot use 'many'"),
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


def test_worker_checkout_variable_is_not_a_setting(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # prefect.yaml's pull step reads LABWATCH_CHECKOUT; the worker's flow runs inherit it.
    without = load_settings(home)
    monkeypatch.setenv("LABWATCH_CHECKOUT", "/srv/labwatch")
    assert load_settings(home) == without
    monkeypatch.setenv("LABWATCH_CHECKOUTS", "/srv/labwatch")  # a near miss is still refused
    with pytest.raises(SettingsError, match="LABWATCH_CHECKOUTS"):
        load_settings(home)


def test_example_file_is_valid_and_holds_the_defaults(home: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "labwatch.example.toml"
    (home / "labwatch.toml").write_text(example.read_text(encoding="utf-8"))
    other = home.parent / "elsewhere"
    assert load_settings(home) == load_settings(other).model_copy(update={"home": home})


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("batch_size", "-1", "an integer from 1 to 10,000"),  # stored nothing, kept validators
        ("batch_size", "0", "an integer from 1 to 10,000"),  # ZeroDivisionError
        ("batch_size", "2.5", "an integer from 1 to 10,000"),
        ("store_size", "0", "an integer from 1 to 100,000"),
        ("workers", "0", "an integer from 1 to 256"),
        ("per_host_connections", "0", "an integer from 1 to 100"),
        ("max_retries", "-1", "an integer from 0 to 10"),
        ("max_bytes", "10", "an integer from 1,000 to 1,000,000,000"),
        ("timeout", "0", "more than 0 and at most 3,600"),
        ("timeout", "nan", "more than 0 and at most 3,600"),
        ("min_host_interval", "-0.5", "a number from 0 to 3,600"),
        ("backoff_minutes", "-30", "a number from 0 to 1,440"),
        ("lock_wait", "-1", "a number from 0 to 3,600"),
        ("ingest_every_minutes", "0", "more than 0 and at most 44,640"),
    ],
)
def test_numbers_out_of_range_name_the_setting_its_source_and_range(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, allowed: str
) -> None:
    var = f"LABWATCH_{name.upper()}"
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(home)
    message = str(caught.value)
    assert name in message and f"(from {var})" in message and allowed in message
    monkeypatch.delenv(var)
    (home / "labwatch.toml").write_text(f"{name} = {value}\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(home)
    assert f"(from {home / 'labwatch.toml'})" in str(caught.value)
    assert allowed in str(caught.value)


def test_numbers_in_range_are_kept(home: Path) -> None:
    (home / "labwatch.toml").write_text(
        "batch_size = 1\nworkers = 256\nmax_retries = 0\nmin_host_interval = 0\n"
        "timeout = 0.5\nmax_bytes = 1000\n"
    )
    s = load_settings(home)
    assert (s.batch_size, s.workers, s.max_retries, s.min_host_interval) == (1, 256, 0, 0.0)
    assert (s.timeout, s.max_bytes) == (0.5, 1000)
    with pytest.raises(SettingsError, match="batch_size"):
        load_settings(home, batch_size=True)  # TOML's true is not the number 1


def test_relative_paths_are_taken_from_the_home(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the current directory must not matter
    (home / "my-watchlist.toml").write_text(
        '[[entity]]\nid = "acme-ai"\nname = "Acme AI"\nkind = "lab"\naliases = ["Acme AI"]\n'
    )
    (home / "lists").mkdir()
    (home / "labwatch.toml").write_text(
        'watchlist_extra = "my-watchlist.toml"\nfeeds = "lists/feeds.toml"\n'
    )
    settings = load_settings(home)
    assert settings.watchlist_extra == home / "my-watchlist.toml"
    assert settings.feeds == home / "lists" / "feeds.toml"
    assert "acme-ai" in {e.id for e in settings.load_watchlist().entities}
    monkeypatch.setenv("LABWATCH_WATCHLIST_EXTRA", "my-watchlist.toml")  # the environment too
    assert load_settings(home).watchlist_extra == home / "my-watchlist.toml"
    monkeypatch.setenv("LABWATCH_WATCHLIST_EXTRA", str(elsewhere / "w.toml"))  # absolute: as is
    assert load_settings(home).watchlist_extra == elsewhere / "w.toml"
    monkeypatch.setenv("LABWATCH_WATCHLIST_EXTRA", "")  # empty: none
    assert load_settings(home).watchlist_extra is None


def test_each_setting_converts_by_its_declared_type(home: Path) -> None:
    # Every field's allowed values can be said in words (a message never fails to name them).
    assert all(allowed(name) for name in Settings.model_fields)
    (home / "labwatch.toml").write_text(
        'web = "off"\nweb_port = 8080.0\nwatchlist_extra = ""\nallowed_private_hosts = ["a", " b "]\n'
    )
    settings = load_settings(home)
    assert settings.web is False and settings.web_port == 8080 and type(settings.web_port) is int
    assert settings.watchlist_extra is None and settings.allowed_private_hosts == {"a", "b"}
    for name, value, message in (
        ("web", "maybe", "must be true or false"),
        ("web_port", 8080.5, "must be an integer from 1 to 65,535"),
        ("timeout", True, "must be more than 0 and at most 3,600"),
    ):
        with pytest.raises(SettingsError, match=f"setting {name}\\b.*{message}"):
            load_settings(home, **{name: value})


def test_a_value_of_the_wrong_type_is_an_error_not_a_string(home: Path) -> None:
    (home / "labwatch.toml").write_text('timezone = ["Europe/Paris"]\nfeeds = 5\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(home)
    config = home / "labwatch.toml"
    assert str(caught.value) == (
        f"setting timezone (from {config}): cannot use ['Europe/Paris']: must be a string"
    )
    (home / "labwatch.toml").write_text("feeds = 5\nweb_token = 12345\n")
    with pytest.raises(SettingsError, match=r"setting feeds .*cannot use 5: must be a path"):
        load_settings(home)
    (home / "labwatch.toml").write_text("web_token = 12345\n")  # a number is its text
    assert load_settings(home).web_token == "12345"


def test_a_bad_value_is_named_even_where_a_later_source_overrides_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "labwatch.toml").write_text('batch_size = "many"\n')
    monkeypatch.setenv("LABWATCH_BATCH_SIZE", "5")
    with pytest.raises(SettingsError, match=r"labwatch\.toml\): cannot use 'many'"):
        load_settings(home)


def test_the_warehouse_setting_has_two_names_but_one_value(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "labwatch.toml").write_text('warehouse_url = "duckdb:a.duckdb"\n')
    assert load_settings(home).warehouse == home / "a.duckdb"
    monkeypatch.setenv("LABWATCH_WAREHOUSE", "duckdb:b.duckdb")  # the environment wins
    assert load_settings(home).warehouse == home / "b.duckdb"
    assert load_settings(home, warehouse_url="duckdb:c.duckdb").warehouse == home / "c.duckdb"
    monkeypatch.setenv("LABWATCH_WAREHOUSE", "sqlite:x")
    with pytest.raises(
        SettingsError, match=r"^setting warehouse = 'sqlite:x' \(from LABWATCH_WAREHOUSE\)"
    ):
        load_settings(home)
    monkeypatch.setenv("LABWATCH_WAREHOUSE_URL", "duckdb:d.duckdb")
    with pytest.raises(SettingsError, match="setting warehouse is given twice in the environment"):
        load_settings(home)
    monkeypatch.delenv("LABWATCH_WAREHOUSE")
    monkeypatch.delenv("LABWATCH_WAREHOUSE_URL")
    (home / "labwatch.toml").write_text('warehouse = "duckdb:a.duckdb"\nwarehouse_url = ""\n')
    with pytest.raises(
        SettingsError, match=r"setting warehouse is given twice in .*labwatch\.toml"
    ):
        load_settings(home)


def test_names_in_the_file_are_exact_in_the_environment_any_case(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "labwatch.toml").write_text("Batch_Size = 3\n")
    with pytest.raises(SettingsError, match="unknown setting 'Batch_Size'"):
        load_settings(home)
    (home / "labwatch.toml").unlink()
    monkeypatch.setenv("labwatch_batch_size", "3")  # as pydantic-settings reads variables
    assert load_settings(home).batch_size == 3
    monkeypatch.setenv("labwatch_batch_size", "-3")
    with pytest.raises(SettingsError, match=r"\(from labwatch_batch_size\)"):
        load_settings(home)


def test_pydantic_settings_reads_the_same_sources(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SettingsSources is pydantic-settings' reading of the home; load_settings checks each
    # source on its own to name a bad value's origin, and must end with the same settings.
    (home / "labwatch.toml").write_text(
        'batch_size = 10\ntimeout = 5.5\nfeeds = "lists/feeds.toml"\nwarehouse = "duckdb:w.duckdb"\n'
    )
    monkeypatch.setenv("LABWATCH_BATCH_SIZE", "20")
    monkeypatch.setenv("LABWATCH_ALLOWED_PRIVATE_HOSTS", "a, b:80")
    monkeypatch.setenv("LABWATCH_WEB", "false")
    loaded = load_settings(home, web_port=9000)
    read = SettingsSources(home=home, web_port=9000)
    assert read.model_dump() == loaded.model_dump()
    assert (loaded.batch_size, loaded.timeout, loaded.web, loaded.web_port) == (
        20,
        5.5,
        False,
        9000,
    )
    assert loaded.feeds == home / "lists" / "feeds.toml" and loaded.warehouse == home / "w.duckdb"
    assert loaded.allowed_private_hosts == {"a", "b:80"}
