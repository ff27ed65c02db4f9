"""URL canonicalisation, the article key derived from it, entry-URL validation and redaction.

`canonical_url` never raises and is idempotent: it splits the URL by hand (never through
`urlsplit(...).port` or `.hostname`, which raise on an out-of-range port or drop the
brackets of an IPv6 literal) and keeps the query string as written, only dropping tracking
parameters (`?amp` stays `?amp`, `b=1;c=2` stays one parameter, nothing is re-encoded).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit

# Query parameters that only track where a click came from; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "cmpid",
        "ocid",
        "ncid",
        "sr_share",
        "guccounter",
    }
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_DIGITS = re.compile(r"[0-9]+")
# Characters a registered host name may hold once percent-decoding and IDNA are left aside.
_HOST_CHARS = re.compile(r"[A-Za-z0-9\-._~%]+")
REDACTED = "***"
# The `user:password@` of an authority, up to its last "@" (as split_authority reads it).
_USERINFO = re.compile(r"^((?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//)[^/?#]*@")


@dataclass(frozen=True)
class Authority:
    """The parts of a URL's authority (`user:password@host:port`), as written."""

    userinfo: str | None  # None when there is no "@"
    host: str  # an IPv6 literal keeps its brackets
    port: str | None  # None when there is no ":"; may be out of range or not digits


def split_authority(netloc: str) -> Authority:
    """Split `user:password@host:port` without validating any part (never raises)."""
    userinfo: str | None = None
    if "@" in netloc:
        userinfo, _, netloc = netloc.rpartition("@")
    if netloc.startswith("["):
        end = netloc.find("]")
        if end != -1:
            host, rest = netloc[: end + 1], netloc[end + 1 :]
            if rest.startswith(":") and _DIGITS.fullmatch(rest[1:] or "0"):
                return Authority(userinfo, host, rest[1:])
            return Authority(userinfo, netloc, None) if rest else Authority(userinfo, host, None)
    host, colon, port = netloc.rpartition(":")
    if not colon or ":" in host or not _DIGITS.fullmatch(port or "0"):
        # "::1" unbracketed, or "host:abc": no port we could tell apart.
        return Authority(userinfo, netloc, None)
    return Authority(userinfo, host, port)


def _tracking(param: str) -> bool:
    key = unquote_plus(param.partition("=")[0]).strip().lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def canonical_url(url: str, *, keep_credentials: bool = False) -> str:
    """One spelling per page: lowercase scheme and host, no default port (leading zeros of a
    port dropped), no fragment, no tracking parameters, "/" for an empty path of an http(s)
    URL, and no `user:password@` unless `keep_credentials` (a feed's login).

    Never raises and is idempotent; a URL Python cannot split at all is returned stripped
    of spaces and (unless `keep_credentials`) of its login, otherwise as written.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed "[" in the host
        if keep_credentials:
            return text
        # Still no password: the text without its `user:password@`, itself canonicalised
        # (without the login it may split), so a second pass gives the same.
        bare = _USERINFO.sub(r"\1", text, count=1)
        return text if bare == text else canonical_url(bare)
    scheme = parts.scheme
    netloc = ""
    if parts.netloc:
        auth = split_authority(parts.netloc)
        netloc = auth.host.lower()
        if auth.port:  # an empty port means the default one (RFC 3986 §3.2.3)
            port = auth.port.lstrip("0") or "0"
            if port != _DEFAULT_PORTS.get(scheme):
                netloc = f"{netloc}:{port}"
        if keep_credentials and auth.userinfo is not None:
            netloc = f"{auth.userinfo}@{netloc}"
    out = f"{scheme}:" if scheme else ""
    # Keep "//" whenever the input had an authority part, even an empty one, so that a second
    # pass reads the same parts.
    authority = bool(parts.netloc) or text[len(out) :].startswith("//")
    path = parts.path
    if not path and scheme in _DEFAULT_PORTS and authority:
        path = "/"
    query = "&".join(p for p in parts.query.split("&") if p.strip() and not _tracking(p))
    if authority:
        out += "//" + netloc
        if path and not path.startswith("/"):
            path = "/" + path
    elif path.startswith("//"):
        path = "/." + path  # a path that would read as an authority: RFC 3986 §5.3
    out += path
    if query:
        out += "?" + query
    return out.strip()  # trailing spaces of a path or query would go on the next pass


def url_key(url: str) -> str:
    """Stable key of a URL: the first 128 bits of SHA-256 of its canonical form, in hex."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:32]


def _host_problem(host: str) -> str:
    if not host:
        return "no host"
    if host.startswith("["):
        if not host.endswith("]"):
            return f"malformed IPv6 literal {host!r}"
        try:
            ipaddress.IPv6Address(host[1:-1].split("%", 1)[0])
        except ValueError:
            return f"malformed IPv6 literal {host!r}"
        return ""
    if ":" in host:
        return f"IPv6 literal without brackets {host!r}"
    if host.isascii():
        if not _HOST_CHARS.fullmatch(host) or ".." in host or host.startswith("."):
            return f"malformed host {host!r}"
        return ""
    try:
        host.encode("idna")
    except UnicodeError:
        return f"malformed host {host!r}"
    return ""


def url_problem(url: str) -> str:
    """Why `url` cannot be fetched as an article's page ("" when it can): not http(s), no or
    a malformed host, a port out of range, spaces or control characters."""
    text = url.strip()
    if not text:
        return "empty URL"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return "URL contains spaces or control characters"
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        return f"unparsable URL: {exc}"
    if parts.scheme not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        return f"not an http(s) URL ({scheme})"
    auth = split_authority(parts.netloc)
    if auth.port and not _DIGITS.fullmatch(auth.port):
        return f"malformed port {auth.port!r}"
    problem = _host_problem(auth.host)
    if problem:
        return problem
    if auth.port:
        port = auth.port.lstrip("0") or "0"
        if len(port) > 5 or not 0 < int(port) <= 65535:
            return f"port out of range 1-65535 ({auth.port})"
    return ""


def strip_credentials(url: str) -> str:
    """`url` without its `user:password@` (an item link's credentials are never used)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    auth = split_authority(parts.netloc)
    netloc = auth.host + (f":{auth.port}" if auth.port is not None else "")
    return parts._replace(netloc=netloc).geturl()


def redact(url: str) -> str:
    """`url` fit to show or log: a password becomes "***" (`https://user:***@host/…`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"(//[^/@:]*:)[^/@]*@", rf"\g<1>{REDACTED}@", url)
    if "@" not in parts.netloc:
        return url
    auth = split_authority(parts.netloc)
    user, colon, _ = (auth.userinfo or "").partition(":")
    userinfo = f"{user}:{REDACTED}" if colon else user
    netloc = f"{userinfo}@{auth.host}" + (f":{auth.port}" if auth.port is not None else "")
    return parts._replace(netloc=netloc).geturl()


def redact_text(text: str) -> str:
    """Every URL password in a free text (an error message) replaced by "***"."""
    return re.sub(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s@:]*:)[^/\s@]*@", rf"\g<1>{REDACTED}@", text)


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL, without credentials (where robots.txt lives)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    auth = split_authority(parts.netloc)
    return f"{parts.scheme}://{auth.host}" + (f":{auth.port}" if auth.port is not None else "")


def host_port(url: str) -> tuple[str, str | None]:
    """(lowercased host without IPv6 brackets, port as written or None); never raises."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "", None
    auth = split_authority(parts.netloc)
    return auth.host.strip("[]").lower(), auth.port


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on one site: the same host, ignoring "www." and subdomains of it
    ("edition.cnn.com" and "cnn.com" are; "cnn.com" and "evil.com" are not)."""
    ha = host_port(a)[0].removeprefix("www.")
    hb = host_port(b)[0].removeprefix("www.")
    if not ha or not hb:
        return False
    return ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha)
