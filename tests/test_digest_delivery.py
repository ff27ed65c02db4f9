"""Delivering the digest: the index of every week, notifications through Apprise to a real
loopback server, the digest flow under Prefect, and `labwatch digest --open`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from flows.digest import SENT, build_digest, notify
from flows.settings import Settings, load_settings
from tests.test_digest import AFTER, WEEK, fill
from warehouse.append import replace_row
from warehouse.database import open_warehouse

LABWATCH = Path(sys.executable).parent / "labwatch"

# Apprise 1.x imports imghdr, deprecated since Python 3.11; the warning is not ours.
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")


@pytest.fixture
def settings(home: Path) -> Settings:
    return fill(home)


def test_index_lists_every_week(settings: Settings) -> None:
    for week in ("2026-W46", WEEK, "2020-W01"):
        result = build_digest(settings, week, AFTER)
    assert result.index == settings.digests_dir / "index.html"
    # A row whose files are gone, and one that is not a week, are not listed.
    with open_warehouse(settings.warehouse) as con:
        for week in ("2019-W02", "javascript:alert(1)//"):
            replace_row(con, "digests", {"week": week, "created_at": AFTER, "path_md": "x",
                                         "path_html": "x", "articles": 0, "mentions": 0,
                                         "deals": 0})  # fmt: skip
    build_digest(settings, "2026-W46", AFTER)  # rebuilt each time
    index = result.index.read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]+)\.html">', index) == ["2026-W47", "2026-W46", "2020-W01"]
    assert '<a href="2026-W47.md">2026-W47.md</a>' in index
    assert "3 weeks, newest first." in index
    assert "javascript" not in index and "2019-W02" not in index
    row = re.search(r"<tr><td><a href=\"2026-W47.html\">.*?</tr>", index)
    assert row and '<td class="n">4</td><td class="n">24</td><td class="n">4</td>' in row[0]
    # Each digest links back to the index.
    html = (settings.digests_dir / f"{WEEK}.html").read_text(encoding="utf-8")
    assert '<a href="index.html">All digests</a>' in html


def received(server: HTTPServer) -> list[dict[str, object]]:
    return [json.loads(request.get_data()) for request, _ in server.log]


def test_notification_is_sent_to_the_apprise_url(home: Path, httpserver: HTTPServer) -> None:
    pytest.importorskip("apprise")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    fill(home)
    url = f"json://{httpserver.host}:{httpserver.port}/hook"
    public = "https://digests.example.org/labwatch/"
    settings = load_settings(home, notify_url=url, public_url=public)
    result = build_digest(settings, WEEK, AFTER)
    assert result.notification == SENT
    # Without public_url the message carries no link: never a file:// path.
    build_digest(load_settings(home, notify_url=url), WEEK, AFTER)
    [message, unlinked] = received(httpserver)
    assert message["title"] == f"labwatch digest {WEEK}"
    body = str(message["message"])
    assert body.startswith(result.headline)
    assert "4 articles (+100% on last week) from 4 sources" in body
    assert body.endswith(f"\nhttps://digests.example.org/labwatch/{WEEK}.html")
    assert unlinked["message"] == result.headline and "file:" not in str(unlinked)


def test_failed_notification_is_reported_not_fatal(home: Path, httpserver: HTTPServer) -> None:
    pytest.importorskip("apprise")
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    fill(home)
    url = f"json://{httpserver.host}:{httpserver.port}/hook"
    result = build_digest(load_settings(home, notify_url=url), WEEK, AFTER)
    assert result.notification.startswith("not sent: ")
    assert url not in result.notification  # the URL may carry credentials
    assert len(httpserver.log) == 1
    assert result.html.is_file() and result.markdown.is_file()


def test_unknown_apprise_url_is_reported() -> None:
    pytest.importorskip("apprise")
    assert notify("nosuchscheme://x", "t", "b") == "not sent: Apprise does not recognise notify_url"


def test_apprise_not_installed_is_a_warning(
    home: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # what an absent package looks like
    fill(home)
    url = f"json://{httpserver.host}:{httpserver.port}/hook"
    result = build_digest(load_settings(home, notify_url=url), WEEK, AFTER)
    assert "Apprise is not installed" in result.notification
    assert "labwatch[notify]" in result.notification
    assert result.html.is_file()
    assert httpserver.log == []


def test_no_notification_without_a_url(settings: Settings, httpserver: HTTPServer) -> None:
    assert build_digest(settings, WEEK, AFTER).notification == ""
    assert httpserver.log == []


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_digest_flow_writes_and_notifies(home: Path, httpserver: HTTPServer) -> None:
    from flows.digest import digest

    seen: list[bytes] = []

    def hook(request: Request) -> Response:
        seen.append(request.get_data())
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(hook)
    fill(home)
    (home / "labwatch.toml").write_text(
        f'notify_url = "json://{httpserver.host}:{httpserver.port}/hook"\n', encoding="utf-8"
    )
    result = digest(week=WEEK, home=str(home))
    assert (result.week, result.articles, result.notification) == (WEEK, 4, SENT)
    assert [json.loads(b)["title"] for b in seen] == [f"labwatch digest {WEEK}"]
    assert (home / "digests" / "index.html").is_file()
    # The run is in `runs`, with its Prefect id and figures; a failing run is too.
    with pytest.raises(ValueError):
        digest(week="2026-W99", home=str(home))
    with open_warehouse(home / "labwatch.duckdb", read_only=True) as con:
        runs = con.execute(
            "SELECT status, mentions, deals, prefect_run_id IS NOT NULL, error FROM runs"
            " WHERE flow = 'digest' ORDER BY started_at"
        ).fetchall()
    assert runs[0] == ("completed", result.mentions, result.deals, True, None)
    assert runs[1][0] == "failed" and "2026-W99" in runs[1][4]


def run_cli(home: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LABWATCH_", "BROWSER"))}
    base = {k: v for k, v in base.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [str(LABWATCH), "digest", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=base | env,
        timeout=300,
    )


@pytest.mark.flow
def test_cli_open_uses_the_browser(home: Path, tmp_path: Path) -> None:
    fill(home)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"  # a browser command, as $BROWSER names one
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    out = run_cli(home, "--week", WEEK, "--open", env={"BROWSER": f"{browser} %s"})
    assert out.returncode == 0, out.stderr
    html = home / "digests" / f"{WEEK}.html"
    assert opened.read_text(encoding="utf-8").strip() == html.resolve().as_uri()
    assert "opened in your browser" in out.stdout
    assert f"labwatch digest {WEEK}: 4 articles, 24 mentions, 4 deals" in out.stdout
    assert "Traceback" not in out.stderr


@pytest.mark.flow
def test_cli_open_without_a_browser_prints_the_path(home: Path, tmp_path: Path) -> None:
    fill(home)
    empty = tmp_path / "bin"
    empty.mkdir()  # no console browser on PATH, no display, no $BROWSER
    out = run_cli(home, "--week", WEEK, "--open", "-q", env={"PATH": str(empty)})
    assert out.returncode == 0, out.stderr
    html = (home / "digests" / f"{WEEK}.html").resolve()
    assert out.stdout == f"labwatch digest: no browser available; open {html}\n"


def test_cli_rejects_a_bad_week_at_once(home: Path) -> None:
    out = run_cli(home, "--week", "2026-47", env={})
    assert out.returncode == 2  # a usage error
    assert out.stderr == (
        "labwatch digest: error: argument --week: not an ISO week: '2026-47' (expected e.g."
        " 2026-W47) (see labwatch digest --help)\n"
    )
    assert not (home / "prefect").exists()  # refused before Prefect was set up
