"""URL canonicalisation, the article key, entry-URL checks and redaction; properties held on
generated URLs with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.errors import FeedListError
from extractors.feedlist import feed_spec
from extractors.urls import (
    canonical_url,
    host_port,
    origin,
    redact,
    redact_text,
    same_site,
    split_authority,
    strip_credentials,
    url_key,
    url_problem,
)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.COM/a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#section", "https://example.com/a"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?id=7&fbclid=x&gclid=y", "https://example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),
        ("https://example.com/A/Path", "https://example.com/A/Path"),
        # IPv6 literals keep their brackets; the port stays apart from the address.
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://[2001:DB8::1]/x", "http://[2001:db8::1]/x"),
        ("https://[::1]:443/x", "https://[::1]/x"),
        # Query strings mean what they say: no "=" added, ";" not percent-encoded.
        ("https://example.com/a?amp", "https://example.com/a?amp"),
        ("https://example.com/a?b=1;c=2", "https://example.com/a?b=1;c=2"),
        ("https://example.com/a?q=a%20b&r=x+y", "https://example.com/a?q=a%20b&r=x+y"),
        ("https://example.com/a?x=1&&utm_source=y&", "https://example.com/a?x=1"),
        # A port out of range is not a crash; leading zeros of a port go.
        ("https://example.com:99999/a", "https://example.com:99999/a"),
        ("http://example.com:0080/a", "http://example.com/a"),
        ("http://example.com:/a", "http://example.com/a"),
        # An article's URL key never carries a login.
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("http://[::1/x", "http://[::1/x"),  # unparsable: returned as given, no exception
        ("http://u:pw@[::1/x", "http://[::1/x"),  # ... but never with its login
        ("http://u[:pw@Example.com/x", "http://example.com/x"),  # splits once the login goes
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical


def test_feed_urls_keep_their_credentials() -> None:
    url = "https://User:p%40ss@Feeds.Example.com:443/rss?x=1"
    assert (
        canonical_url(url, keep_credentials=True) == "https://User:p%40ss@feeds.example.com/rss?x=1"
    )
    assert url_key(url) == url_key("https://feeds.example.com/rss?x=1")


def test_key_is_shared_by_spellings_of_one_url() -> None:
    assert url_key("https://Example.com/a?utm_campaign=x#top") == url_key("https://example.com/a")
    assert url_key("https://example.com/a") != url_key("https://example.com/b")
    assert url_key("https://example.com/a?amp") != url_key("https://example.com/a?amp=")
    assert url_key("https://example.com/a?b=1;c=2") != url_key("https://example.com/a?b=1%3Bc%3D2")
    assert len(url_key("https://example.com/a")) == 32


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.com:99999/a", "port out of range"),
        ("https://example.com:0/a", "port out of range"),
        ("http://exa mple.com/a", "spaces"),
        ("http://example.com/a b", "spaces"),
        ("javascript:alert(1)", "not an http(s) URL (javascript)"),
        ("mailto:someone@example.com", "not an http(s) URL (mailto)"),
        ("data:text/html,<b>hi</b>", "not an http(s) URL (data)"),
        ("ftp://example.com/a", "not an http(s) URL (ftp)"),
        ("//example.com/a", "not an http(s) URL (no scheme)"),
        ("http:///a", "no host"),
        ("http://[::1/x", "unparsable URL"),
        ("http://[not-ipv6]/x", "IPv6"),
        ("http://::1:8080/x", "IPv6 literal without brackets"),
        ("http://exa<mple.com/", "malformed host"),
        ("", "empty URL"),
    ],
)
def test_unusable_entry_urls_have_a_reason(url: str, problem: str) -> None:
    assert problem in url_problem(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a",
        "http://[::1]:8080/x",
        "http://127.0.0.1:18999/a?amp",
        "https://bücher.example/a",
        "http://example.com:/a",
    ],
)
def test_usable_entry_urls(url: str) -> None:
    assert url_problem(url) == ""


def test_redaction() -> None:
    assert redact("https://user:secret@host.example/feed") == "https://user:***@host.example/feed"
    assert redact("https://token@host.example/feed") == "https://token@host.example/feed"
    assert redact("http://u:p@[::1]:8080/x") == "http://u:***@[::1]:8080/x"
    assert redact("https://host.example/a") == "https://host.example/a"
    text = "HTTP 404 (https://u:pw@a.example/x), redirect to http://v:pw2@b.example/"
    assert "pw" not in redact_text(text).replace("***", "")
    assert strip_credentials("https://u:p@a.example:8443/x?q") == "https://a.example:8443/x?q"
    assert origin("https://u:p@a.example:8443/x?q") == "https://a.example:8443"


# Generated URLs: the parts of real and hostile URLs, glued together in any combination.
_hosts = st.one_of(
    st.from_regex(r"[A-Za-z0-9-]{1,12}(\.[A-Za-z0-9-]{1,8}){0,3}", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.text(max_size=12),
)
_ports = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=200_000).map(str),
    st.text("0123456789:", max_size=6),
)
_params = st.lists(
    st.tuples(
        st.sampled_from(["a", "id", "utm_source", "fbclid", "amp", "b", "q", "UTM_x"]),
        st.one_of(st.none(), st.text("ab1;=%+/?& ", max_size=6)),
    ),
    max_size=4,
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", "mailto", ""]))
    user = draw(
        st.one_of(st.none(), st.from_regex(r"[a-z]{1,4}(:[a-z%0-9@]{0,5})?", fullmatch=True))
    )
    host = draw(_hosts)
    port = draw(_ports)
    path = draw(st.text(max_size=10).map(lambda p: "/" + p if p else ""))
    params = draw(_params)
    query = "&".join(k if v is None else f"{k}={v}" for k, v in params)
    fragment = draw(st.one_of(st.none(), st.text(max_size=5)))
    url = f"{scheme}://" if scheme else draw(st.sampled_from(["", "//"]))
    url += (f"{user}@" if user else "") + host + (f":{port}" if port is not None else "")
    url += path + (f"?{query}" if params else "") + (f"#{fragment}" if fragment is not None else "")
    return url


_any_url = st.one_of(urls(), st.text(max_size=40))
PROPERTY_SETTINGS = settings(max_examples=500, deadline=None)
FEWER = settings(max_examples=150, deadline=None)  # properties over cheaper or narrower inputs
# In the whole suite, threads of the session's Prefect harness use the `random` module while
# hypothesis draws, which hypothesis takes for a strategy using it: not ours to fix here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
)


@PROPERTY_SETTINGS
@given(_any_url)
def test_canonical_url_never_raises_and_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    credentials = canonical_url(url, keep_credentials=True)
    assert canonical_url(credentials, keep_credentials=True) == credentials


@PROPERTY_SETTINGS
@given(_any_url)
def test_url_key_is_stable(url: str) -> None:
    key = url_key(url)
    assert url_key(canonical_url(url)) == key
    assert url_key(canonical_url(url, keep_credentials=True)) == key
    assert url_key(strip_credentials(url)) == key or "@" in url.split("?")[0].split("#")[0]
    url_problem(url)  # never raises either
    redact(url)


@PROPERTY_SETTINGS
@given(st.ip_addresses(v=6), st.integers(min_value=1, max_value=65535), st.text("abc/", max_size=6))
def test_ipv6_literals_keep_their_brackets(address: object, port: int, path: str) -> None:
    url = f"http://[{address}]:{port}/{path}"
    canonical = canonical_url(url)
    expected_port = "" if port == 80 else f":{port}"
    assert canonical.startswith(f"http://[{str(address).lower()}]{expected_port}/")
    assert url_problem(canonical) == ""
    assert canonical_url(canonical) == canonical


@FEWER
@given(_any_url)
def test_a_feed_url_is_a_spec_or_a_feed_list_error(url: str) -> None:
    # The command line turns only FeedListError into a one-line message: nothing else may escape.
    try:
        spec = feed_spec(url)
    except FeedListError as exc:
        assert "not a usable feed URL" in str(exc)
    else:
        assert url_problem(spec.url) == "" and spec.feed_id == url_key(url)


@FEWER
@given(
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z]{1,8}\.example", fullmatch=True),
    st.integers(min_value=65_536, max_value=10**12),
)
def test_a_port_out_of_range_is_a_clear_error(scheme: str, host: str, port: int) -> None:
    url = f"{scheme}://{host}:{port}/feed"
    assert url_problem(url) == f"port out of range 1-65535 ({port})"
    assert canonical_url(url) == url  # kept as written: the key still tells it apart
    with pytest.raises(FeedListError, match="port out of range"):
        feed_spec(url)


@FEWER
@given(urls(), st.from_regex(r"[QXZ]{3,8}", fullmatch=True))
def test_a_password_never_survives_redaction(url: str, password: str) -> None:
    scheme, sep, rest = url.partition("://")
    if not sep or any(c in url for c in "QXZ"):
        return  # no authority to put a login in, or the "password" is in the URL already
    secret = f"{scheme}://user:{password}@{rest.split('@')[-1]}"
    assert password not in redact(secret)
    assert password not in redact_text(f"failed ({secret}): HTTP 500")
    assert password not in canonical_url(secret)


@FEWER
@given(_any_url, _any_url)
def test_the_url_helpers_never_raise(a: str, b: str) -> None:
    split_authority(a)
    host, port = host_port(a)
    assert "[" not in host and (port is None or port in a)
    origin(a)
    strip_credentials(a)
    assert same_site(a, b) == same_site(b, a)
