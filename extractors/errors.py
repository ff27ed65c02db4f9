"""The exceptions extractors raise, in one tree so callers catch at the right level.

    LabwatchError
    ├── FetchError                 a URL could not be fetched; .outcome says how bad
    │   ├── InvalidURLError        not an http(s) URL                        (hard)
    │   ├── BlockedAddressError    resolves to a private or loopback address (blocked)
    │   ├── RobotsDeniedError      robots.txt forbids it                     (blocked)
    │   ├── HTTPStatusError        a non-2xx, non-304 answer       (hard/soft/rate_limited)
    │   ├── TooLargeError          body over the size cap                    (hard)
    │   ├── RedirectError          too many redirects, or a loop             (hard)
    │   ├── FetchTimeoutError      connect, read or total timeout            (soft)
    │   └── NetworkError           refused, reset, DNS failure               (soft)
    ├── NotAFeedError              the body parsed as no feed at all         (hard)
    │   └── EmptyFeedError         it holds items, none of them readable     (hard)
    ├── WatchlistError             a watchlist file that cannot be used
    ├── FeedListError              a feed list file, or a feed URL, that cannot be used
    ├── OPMLError                  a file that is not usable OPML
    ├── InputError                 a file or folder given on the command line that cannot be used
    │   ├── GoldError              a gold set (eval tagging|deals --gold) that cannot be read
    │   └── PairFileError          a pair file of `eval clusters` (flows/eval_clusters.py)
    ├── UsageError                 a command line that makes no sense (exit status 2)
    ├── DemoError                  the demo cannot run (its port is taken, another ingest runs)
    ├── ServeError                 `labwatch serve` cannot start (port taken, server failed)
    └── SettingsError              a setting that is unknown or out of range (flows/settings.py)

The warehouse's own tree (WarehouseError: missing, locked, corrupt, disk full, another ingest
running, a bad ISO week, a failed user query...) is in warehouse/errors.py. The command line
maps these two trees, and only these, to exit statuses and messages in one table
(`USER_ERRORS` in flows/cli.py): one line on stderr, exit status 1 (2 for UsageError).
Anything else, a ValueError included, is a bug and keeps its traceback.

Outcome classes: "hard" will not fix itself (retrying soon is pointless), "soft" may
(retry with backoff), "rate_limited" means the server asked us to slow down, "blocked"
means labwatch refused on purpose (private address, robots.txt).
"""

from __future__ import annotations

from extractors.urls import redact, redact_text

HARD = "hard"
SOFT = "soft"
RATE_LIMITED = "rate_limited"
BLOCKED = "blocked"


class LabwatchError(Exception):
    """Base of every error labwatch raises on purpose."""


class FetchError(LabwatchError):
    outcome: str = SOFT

    def __init__(self, url: str, reason: str) -> None:
        # The message is shown and stored: a password in a URL never reaches it.
        reason = redact_text(reason)
        super().__init__(f"{reason} ({redact(url)})")
        self.url = url
        self.reason = reason
        self.attempts = 1  # how many tries it took to give up (retries of soft failures)


class InvalidURLError(FetchError):
    outcome = HARD


class BlockedAddressError(FetchError):
    outcome = BLOCKED


class RobotsDeniedError(FetchError):
    outcome = BLOCKED


class TooLargeError(FetchError):
    outcome = HARD


class RedirectError(FetchError):
    outcome = HARD


class FetchTimeoutError(FetchError):
    outcome = SOFT


class NetworkError(FetchError):
    outcome = SOFT


class HTTPStatusError(FetchError):
    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(url, f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after
        if status == 429 or (status == 503 and retry_after is not None):
            self.outcome = RATE_LIMITED
        elif status >= 500 or status == 408:
            self.outcome = SOFT
        else:
            self.outcome = HARD


class NotAFeedError(LabwatchError):
    outcome = HARD


class EmptyFeedError(NotAFeedError):
    """A body with items of which none could be read: a failure, not an empty feed."""


class WatchlistError(LabwatchError):
    """A watchlist file that is malformed or inconsistent (unknown parent, bad kind...)."""


class FeedListError(LabwatchError):
    """A feed list that cannot be read or holds a bad entry, or a feed URL that is not one."""


class OPMLError(LabwatchError):
    """A file that is not usable OPML."""


class InputError(LabwatchError):
    """A file or folder the user named that cannot be read or written (missing, a directory
    where a file is wanted, not empty...)."""


class GoldError(InputError):
    """A gold set (`labwatch eval tagging|deals --gold`) that cannot be read: the message
    names the file, the line and what is wrong."""


class UsageError(LabwatchError):
    """A command line that cannot be run as given (an empty query, a missing argument): the
    command line's exit status 2, like argparse's own usage errors."""


class DemoError(LabwatchError):
    """The demo cannot run: its port is in use, or another ingest holds the warehouse."""


class ServeError(LabwatchError):
    """`labwatch serve` cannot start: the port is taken, or the Prefect server failed."""
