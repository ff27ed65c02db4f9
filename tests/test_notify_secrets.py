"""A notify_url may hold a secret (a password, a bot token): a malformed one must not be
printed, by us or by Apprise's own logger (which quotes a URL it cannot load)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from flows.digest import build_digest
from flows.settings import load_settings
from tests.test_digest import AFTER, WEEK, fill

# Apprise 1.x imports imghdr, deprecated since Python 3.11; the warning is not ours.
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

SECRET = "s3cr3t-Pa55-4711"


@pytest.mark.parametrize(
    "url",
    [
        f"mailto://user:{SECRET}@",  # Apprise: "Could not load E-Mail URL: mailto://user:..."
        f"tgram://{SECRET}/",  # Apprise: "Unparseable Telegram URL tgram://..."
        f"discord://{SECRET}",  # Apprise: "Could not load Discord URL: discord://..."
    ],
)
def test_a_malformed_notify_url_is_never_printed(
    home: Path, url: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("apprise")
    fill(home)
    with caplog.at_level(logging.DEBUG):
        result = build_digest(load_settings(home, notify_url=url), WEEK, AFTER)
    assert result.notification == "not sent: Apprise does not recognise notify_url"
    assert result.html.is_file()  # the digest is written all the same
    out, err = capfd.readouterr()
    assert SECRET not in caplog.text
    assert SECRET not in out + err
    assert SECRET not in result.notification
    # Apprise's logger is ours again afterwards.
    assert not logging.getLogger("apprise").filters
