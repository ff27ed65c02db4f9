"""Headless Chromium driven over the DevTools protocol (a websocket, `websockets` comes with
Prefect): load a page at a given width, measure it with JavaScript (DevTools evaluation is
not subject to the page's Content-Security-Policy, which forbids every script on the page
itself) and take full-page screenshots."""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from flows.serve import stop_process

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    def __init__(self, ws: ClientConnection, session: str) -> None:
        self.ws, self.session = ws, session
        self._ids = itertools.count(1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        n = next(self._ids)
        self.ws.send(json.dumps({"id": n, "sessionId": self.session, "method": method,
                                 "params": params}))  # fmt: skip
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def open(self, url: str, width: int, height: int = 900) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)  # fmt: skip
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load")
            time.sleep(0.05)

    def overflow(self) -> dict[str, Any]:
        """The page's scroll width against the viewport, and the elements that stick out."""
        return dict(
            self.evaluate(
                "(() => { const w = document.documentElement.clientWidth;"
                " const out = [...document.querySelectorAll('body *')]"
                "   .filter(e => e.getBoundingClientRect().right > w + 0.5"
                "             || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')"
                "   .map(e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || ''));"
                " return {width: w, scrollWidth: document.documentElement.scrollWidth,"
                "         outside: out.slice(0, 20)}; })()"
            )
        )

    def screenshot(self, path: Path, width: int) -> None:
        """The whole page at `width`, as a PNG."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)  # fmt: skip
        shot = self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@contextmanager
def chromium_page() -> Iterator[Page]:
    assert CHROMIUM
    # Chromium's helpers may still write to the profile as it exits: cleaning up is best effort.
    with tempfile.TemporaryDirectory(
        prefix="labwatch-chromium-", ignore_cleanup_errors=True
    ) as profile:
        proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-extensions", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proc.stderr
            url = ""
            deadline = time.monotonic() + 60
            while not url and time.monotonic() < deadline:
                line = proc.stderr.readline()
                if not line and proc.poll() is not None:
                    break
                m = re.search(r"DevTools listening on (ws://\S+)", line)
                url = m[1] if m else ""
            assert url, "Chromium did not open its DevTools port"
            with connect(url, max_size=2**28, open_timeout=30) as ws:
                ws.send(json.dumps({"id": 1, "method": "Target.createTarget",
                                    "params": {"url": "about:blank"}}))  # fmt: skip
                target = _reply(ws, 1)["targetId"]
                ws.send(json.dumps({"id": 2, "method": "Target.attachToTarget",
                                    "params": {"targetId": target, "flatten": True}}))  # fmt: skip
                page = Page(ws, _reply(ws, 2)["sessionId"])
                page.send("Page.enable")
                yield page
        finally:
            stop_process(proc, 10)


def _reply(ws: ClientConnection, n: int) -> dict[str, Any]:
    while True:
        msg = json.loads(ws.recv(timeout=60))
        if msg.get("id") == n:
            return dict(msg["result"])
