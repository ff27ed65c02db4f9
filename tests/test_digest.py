"""The weekly digest from a real warehouse filled with known weeks: figures, entities and
spikes, deals, co-mentions, stories, trends, feed health, empty and thin weeks.

`fill` stores five weeks of synthetic articles (and a thin week after them) through the same
row builders and append functions as the ingest flow, with the real watchlist.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from extractors.analyse import AnalysedArticle, TaggedMention
from extractors.records import Deal as FoundDeal
from extractors.records import FeedFetch, FeedSpec
from flows.digest import build_digest, last_complete_week
from flows.digest_render import (
    briefing,
    change,
    heat,
    lab_sections,
    md,
    md_link,
    money,
    safe_url,
    spark,
)
from flows.rows import article_rows, entity_rows, feed_rows, fetch_rows
from flows.settings import Settings, load_settings
from warehouse.append import record_watchlist, replace_row
from warehouse.articles import append_batch
from warehouse.database import open_warehouse
from warehouse.digest_queries import (
    DigestData,
    _weekly,
    canonical_week,
    digest_data,
    is_spike,
    weeks_ending,
)
from warehouse.feed_state import add_feeds, record_fetches

WEEK = "2026-W47"  # Monday 16 November 2026
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
AFTER = datetime(2026, 12, 1, 12, tzinfo=UTC)  # "now": every week of the fixture is over
FP = 0x0F0F_0F0F_0F0F_0F0F  # fingerprint of the syndicated story; copies differ by a bit

# A hostile page: markup, a javascript: link, a </style> that would end the style sheet.
HOSTILE = (
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    " | [link](javascript:alert(1)) </style><style>body{display:none}</style> $5 and $6"
)
HOSTILE_SITE = "</style><script>alert(2)</script>"
# A watchlist entity of the user's with a hostile name: it reaches tables and SVG labels.
EVIL_NAME = "Evil</text><script>alert(3)</script><svg onload=alert(4)>"


def day(week_offset: int, weekday: int = 1, hour: int = 9) -> datetime:
    """A time in the week `week_offset` weeks from WEEK (0 = WEEK), Monday = 0."""
    return MONDAY + timedelta(weeks=week_offset, days=weekday, hours=hour)


def analysed(
    aid: str,
    when: datetime,
    mentions: dict[str, int],
    *,
    title: str = "",
    url: str = "",
    site: str = "Example News",
    deals: tuple[FoundDeal, ...] = (),
    fingerprint: int | None = None,
) -> AnalysedArticle:
    found = []
    offset = 0
    for entity, n in mentions.items():
        for _ in range(n):
            found.append(TaggedMention(entity, entity, offset, offset + 3, "s", False))
            offset += 10
    url = url or f"https://example.com/{aid}"
    return AnalysedArticle(
        article_id=aid, entry_key=aid, url=url, canonical_url=url, page_canonical_url="",
        title=title or f"Story {aid}", author="", published=when, site_name=site,
        language="en", text=f"text of {aid}", text_source="page", extractor="test",
        content_hash=aid, fingerprint=fingerprint, page_error="", page_outcome="",
        mentions=tuple(found), deals=deals,
    )  # fmt: skip


def deal(kind: str, investor: str, target: str, amount: float | None, qualifier: str,
         evidence: str) -> FoundDeal:  # fmt: skip
    return FoundDeal(kind, investor, target, amount, amount, qualifier, None, evidence, 0)


AMAZON_ANTHROPIC = deal(
    "investment", "amazon", "anthropic", 4e9, "up to", "Amazon will invest up to $4 billion."
)
MICROSOFT_OPENAI = deal(
    "investment", "microsoft", "openai", 13e9, "reportedly", "Microsoft reportedly put in $13B."
)


def store(settings: Settings, articles: list[AnalysedArticle]) -> None:
    watchlist = settings.load_watchlist()
    with open_warehouse(settings.warehouse) as con:
        record_watchlist(con, entity_rows(watchlist))
        for a in articles:  # one batch each, as when the ingest stores them over days
            arts, mentions, deals = article_rows(
                [a], "run", a.published or AFTER, watchlist.version
            )
            append_batch(con, arts, [], mentions, deals)


def fetch(feed: FeedSpec, when: datetime, outcome: str, error: str = "") -> FeedFetch:
    return FeedFetch(feed=feed, fetched_at=when, outcome=outcome, error=error,
                     status=200 if outcome == "ok" else 503)  # fmt: skip


BROKEN = FeedSpec("f-broken", "https://broken.example/feed.xml", "Broken Feed")
FLAKY = FeedSpec("f-flaky", "https://flaky.example/rss", "Flaky")
OLD = FeedSpec("f-old", "https://old.example/rss", "Failed long ago")


def store_feeds(settings: Settings) -> None:
    fetches = [
        fetch(BROKEN, day(0, 1), "soft", "HTTP 503 <b>down</b>"),
        fetch(BROKEN, day(0, 3), "hard", "HTTP 404 Not Found"),
        fetch(FLAKY, day(0, 2), "soft", "timed out"),
        fetch(FLAKY, day(0, 4), "ok"),
        fetch(OLD, day(-2, 1), "hard", "HTTP 410 Gone"),
        fetch(OLD, day(0, 1), "ok"),
    ]
    with open_warehouse(settings.warehouse) as con:
        add_feeds(con, feed_rows([BROKEN, FLAKY, OLD], day(-12)))
        for f in sorted(fetches, key=lambda f: f.fetched_at):
            record_fetches(con, fetch_rows([f], "run", {}))
        replace_row(con, "runs", {"run_id": "r47", "flow": "ingest", "started_at": day(0, 2),
                                  "status": "completed"})  # fmt: skip


def fill(home: Path) -> Settings:
    """Weeks 43 to 46 set the baseline; week 47 has a spike, deals, a syndicated story and a
    hostile page; week 48 is thin."""
    extra = home / "watchlist-extra.toml"
    extra.write_text(
        '[[entity]]\nid = "evil-lab"\nkind = "lab"\naliases = ["EvilLab"]\n'
        f"name = '{EVIL_NAME}'\n",
        encoding="utf-8",
    )
    settings = load_settings(home, watchlist_extra=extra)
    articles = [analysed("early", day(-11), {"microsoft": 1, "evil-lab": 30})]
    for w in (-4, -3, -2, -1):  # the four weeks before: 2 articles each
        articles += [
            analysed(f"bg{w}a", day(w, 1), {"openai": 4, "anthropic": 1}),
            analysed(f"bg{w}b", day(w, 2), {"aws": 1} if w == -3 else {"cohere": 1}),
        ]
    articles[-2] = analysed("bg-1a", day(-1, 1), {"openai": 4, "anthropic": 1, "microsoft": 1})
    articles.append(  # first report of the Microsoft-OpenAI deal, two weeks before
        analysed("old-deal", day(-2, 3), {"microsoft": 1, "openai": 1}, deals=(MICROSOFT_OPENAI,))
    )
    articles += [
        analysed("a1", day(0, 1), {"anthropic": 4, "claude": 2, "aws": 2, "bedrock": 1,
                                   "amazon": 1}, title="Amazon doubles down on Anthropic",
                 deals=(AMAZON_ANTHROPIC,), fingerprint=FP),
        analysed("a2", day(0, 2), {"anthropic": 3, "aws": 1}, title="Amazon and Anthropic (copy)",
                 url="https://copy.example/a", site="Copy Times", deals=(AMAZON_ANTHROPIC,),
                 fingerprint=FP ^ 1),
        analysed("a3", day(0, 3), {"openai": 3, "azure": 2, "microsoft": 1},
                 title="OpenAI's cloud bill", site="Tech Wire", deals=(MICROSOFT_OPENAI,)),
        analysed("a4", day(0, 4), {"openai": 3, "mistral-ai": 1}, title=HOSTILE,
                 url="javascript:alert(document.cookie)", site=HOSTILE_SITE,
                 deals=(deal("partnership", "evil-lab", "openai", None, "", HOSTILE),)),
        analysed("thin", day(1, 1), {"openai": 1}),
    ]  # fmt: skip
    store(settings, articles)
    store_feeds(settings)
    return settings


@pytest.fixture
def settings(home: Path) -> Settings:
    return fill(home)


@pytest.fixture
def data(settings: Settings) -> DigestData:
    with open_warehouse(settings.warehouse, read_only=True) as con:
        return digest_data(con, WEEK, AFTER)


@pytest.fixture
def markdown(settings: Settings) -> str:
    return build_digest(settings, WEEK, AFTER).markdown.read_text(encoding="utf-8")


def test_headline_figures_against_last_week(settings: Settings, data: DigestData) -> None:
    w, p = data.this_week, data.last_week
    assert (w.articles, w.sources, w.mentions, w.new_deals, w.deals) == (4, 4, 24, 2, 4)
    # anthropic claude aws bedrock amazon openai azure microsoft mistral-ai (evil-lab is only
    # a deal party this week).
    assert w.entities == 9
    assert (p.articles, p.sources, p.mentions, p.new_deals) == (2, 1, 7, 0)
    result = build_digest(settings, WEEK, AFTER)
    assert (result.week, result.articles, result.mentions, result.deals) == (WEEK, 4, 24, 4)
    assert result.headline.startswith(
        f"labwatch digest {WEEK}: 4 articles (+100% on last week) from 4 sources"
    )
    text = result.markdown.read_text(encoding="utf-8")
    assert "| Articles | 4 | 2 | +100% |" in text
    assert "| Mentions | 24 | 7 | +243% |" in text
    assert "| New deals | 2 | 0 | new |" in text
    with open_warehouse(settings.warehouse, read_only=True) as con:
        row = con.execute("SELECT week, articles, mentions, deals, path_html FROM digests")
        assert row.fetchall() == [(WEEK, 4, 24, 4, str(result.html))]


def test_entities_with_roll_up_mean_and_spikes(data: DigestData) -> None:
    labs = {e.entity_id: e for e in data.entities["lab"]}
    clouds = {e.entity_id: e for e in data.entities["cloud"]}
    companies = {e.entity_id: e for e in data.entities["company"]}
    # Anthropic: 4 + claude 2 in a1, 3 in a2 = 9 in 2 articles, against 1 a week before.
    a = labs["anthropic"]
    assert (a.mentions, a.articles, a.last_mentions, a.mean, a.spike) == (9, 2, 1, 1.0, True)
    # OpenAI: 6 mentions in 2 articles but its mean is 4.25 (4, 4, 4 + 1 old deal, 4): no spike.
    o = labs["openai"]
    assert (o.mentions, o.articles, o.mean, o.spike) == (6, 2, 4.25, False)
    # One mention is never a spike, even of an entity never seen before.
    m = labs["mistral-ai"]
    assert (m.mentions, m.mean, m.spike) == (1, 0.0, False)
    # Cohere was mentioned in the weeks before only: listed with 0 this week.
    assert (labs["cohere"].mentions, labs["cohere"].last_mentions) == (0, 1)
    # aws rolls up bedrock; amazon rolls up aws and bedrock: 1 + 3 + 1 in 2 articles.
    assert (clouds["aws"].mentions, clouds["aws"].mean) == (4, 0.25)
    assert (companies["amazon"].mentions, companies["amazon"].spike) == (5, True)
    assert [e.entity_id for e in data.entities["lab"]][:2] == ["anthropic", "openai"]
    assert data.entities["lab"] == sorted(data.entities["lab"], key=lambda e: -e.mentions)


def test_weekly_figures_agree_with_the_view(settings: Settings) -> None:
    weeks = weeks_ending(WEEK, 12)
    with open_warehouse(settings.warehouse, read_only=True) as con:
        ours = sorted(
            (r["entity_id"], r["iso_week"], r["mentions"], r["articles"])
            for r in _weekly(con, weeks)
        )
        view = con.execute(
            "SELECT entity_id, iso_week, mentions_rollup, articles_rollup FROM v_mentions_weekly"
            " WHERE iso_week IN (SELECT unnest($w)) AND kind IN ('lab', 'cloud', 'company')"
            " ORDER BY ALL",
            {"w": weeks},
        ).fetchall()
    assert len(ours) > 10 and ours == view


def test_spike_rule() -> None:
    assert is_spike(10, 3, 2.0)
    assert not is_spike(1, 1, 0.0)  # one mention never
    assert not is_spike(4, 4, 0.0)  # under the minimum count
    assert not is_spike(30, 1, 0.0)  # one article naming it 30 times
    assert not is_spike(9, 3, 5.0)  # not twice the mean


def test_entity_tables_in_markdown(markdown: str) -> None:
    assert "| Anthropic | 9 | 2 | 1 | 1 | +800% | **spike** |" in markdown
    assert "| OpenAI | 6 | 2 | 4 | 4.3 | +50% |  |" in markdown
    assert "| Mistral AI | 1 | 1 | 0 | 0 | new |  |" in markdown
    assert "| Amazon | 5 | 2 | 0 | 0.3 | new | **spike** |" in markdown
    assert markdown.index("### AI labs") < markdown.index("### Cloud providers")


def test_deals_of_the_week_new_and_updated(data: DigestData, markdown: str) -> None:
    by_parties = {(d.investor, d.target): d for d in data.deals}
    new = by_parties[("amazon", "anthropic")]
    assert (new.status, new.sources_week, new.sources_total, new.qualifier) == (
        "new",
        2,
        2,
        "up to",
    )
    assert new.evidence == "Amazon will invest up to $4 billion."
    assert [x.url for x in new.links] == ["https://example.com/a1", "https://copy.example/a"]
    updated = by_parties[("microsoft", "openai")]
    assert (updated.status, updated.sources_week, updated.sources_total) == ("updated", 1, 2)
    assert updated.first_reported == day(-2, 3)
    assert [d.status for d in data.deals] == ["new", "new", "updated"]  # new ones first
    assert "### New deals" in markdown and "### Updated deals" in markdown
    assert (
        "- **Investment**: Amazon → Anthropic, up to \\$4B; 2 sources this week\n\n"
        "  > Amazon will invest up to \\$4 billion.\n\n"
        "  Sources: [Amazon doubles down on Anthropic](https://example.com/a1) (Example News), "
        "[Amazon and Anthropic \\(copy\\)](https://copy.example/a) (Copy Times)"
    ) in markdown
    assert "Microsoft → OpenAI, reportedly \\$13B; 1 source this week, 2 in all" in markdown


def test_co_mention_matrix_and_risers(data: DigestData, markdown: str) -> None:
    cm = data.co_mentions
    # claude counts for anthropic, bedrock for aws.
    assert cm.cells == {
        ("anthropic", "aws"): 2,
        ("anthropic", "amazon"): 1,
        ("openai", "azure"): 1,
        ("openai", "microsoft"): 1,
    }
    assert [lab for lab, _ in cm.labs] == ["anthropic", "openai"]
    assert [o for o, _ in cm.others] == ["aws", "amazon", "azure", "microsoft"]
    # openai + microsoft was in one article last week too: it did not rise.
    assert [(r.lab, r.other, r.this_week, r.last_week) for r in cm.risers] == [
        ("anthropic", "aws", 2, 0),
        ("anthropic", "amazon", 1, 0),
        ("openai", "azure", 1, 0),
    ]
    assert "| Lab | Amazon Web Services | Amazon | Microsoft Azure | Microsoft |" in markdown
    assert "| Anthropic | 2 | 1 | · | · |" in markdown
    assert "- Anthropic + Amazon Web Services: 2 articles (last week 0, +2)" in markdown


def test_a_lab_is_not_paired_with_its_own_parent(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    store(
        settings,
        [analysed("dm", day(0), {"google-deepmind": 2, "google": 1, "aws": 1}),
         analysed("dm2", day(0, 2), {"google-deepmind": 1, "google-cloud": 1})],
    )  # fmt: skip
    with open_warehouse(settings.warehouse, read_only=True) as con:
        cm = digest_data(con, WEEK, AFTER).co_mentions
    # google-cloud sits under google too, but it is a cloud, not google-deepmind's parent.
    assert cm.cells == {("google-deepmind", "aws"): 1, ("google-deepmind", "google-cloud"): 1}


def test_top_stories_one_line_per_cluster(data: DigestData, markdown: str) -> None:
    assert len(data.stories) == 3  # a1 and its copy a2 are one story
    top = data.stories[0]
    assert (top.title, top.sources, top.articles, top.mentions) == (
        "Amazon doubles down on Anthropic", 2, 2, 14,
    )  # fmt: skip
    assert [(o.site, o.url) for o in top.also] == [("Copy Times", "https://copy.example/a")]
    assert [e[0] for e in top.entities] == ["anthropic", "aws", "amazon"]  # products rolled up
    assert (
        "1. [Amazon doubles down on Anthropic](https://example.com/a1) — 2 sources: "
        "[Example News](https://example.com/a1), [Copy Times](https://copy.example/a); "
        "names Anthropic, Amazon Web Services, Amazon"
    ) in markdown
    assert "Amazon and Anthropic \\(copy\\)](https://copy.example/a) —" not in markdown
    stories = markdown.split("## Top stories")[1].split("##")[0]
    assert len(re.findall(r"^\d+\. ", stories, re.M)) == 3


def test_briefing_says_what_happened(data: DigestData, markdown: str) -> None:
    text = briefing(data)
    assert text.startswith(
        "Anthropic led the week with 9 mentions in 2 articles (up from 1 last week), most of "
        "all for “Amazon doubles down on Anthropic” (2 sources), carried by Example News and "
        "Copy Times."
    )
    assert "The largest new deal: Amazon → Anthropic, investment, up to $4B (2 sources)." in text
    assert "Biggest riser: Amazon, 5 mentions against 0 last week (a spike)." in text
    assert (
        "New to the warehouse: Microsoft Azure, Claude, Amazon, Amazon Bedrock and Mistral AI."
        in text
    )
    assert markdown.index("led the week") < markdown.index("## Top stories")
    assert [e.entity_id for e in data.new_entities] == [
        "azure", "claude", "amazon", "bedrock", "mistral-ai"
    ]  # fmt: skip


def test_a_section_per_lab_and_quiet_labs_in_one_line(data: DigestData, markdown: str) -> None:
    active, quiet = lab_sections(data)
    assert [s.lab.entity_id for s in active] == ["anthropic", "openai", "mistral-ai"]
    assert [e.entity_id for e in quiet] == ["cohere"]
    anthropic = active[0]
    assert [s.title for s in anthropic.stories] == ["Amazon doubles down on Anthropic"]
    assert [(d.investor, d.target) for d in anthropic.deals] == [("amazon", "anthropic")]
    assert anthropic.partners == [("Amazon Web Services", 2), ("Amazon", 1)]
    labs = markdown.split("## Labs this week")[1].split("\n## ")[0]
    assert "### Anthropic" in labs and "- Named with: Amazon Web Services (2), Amazon (1)" in labs
    assert "Quiet this week: Cohere." in labs
    # Entity tables list only the entities named this week; the rest is one line.
    assert "| Cohere |" not in markdown and "No mentions this week: Cohere." in markdown


def test_trend_over_twelve_weeks(settings: Settings, data: DigestData) -> None:
    t = data.trend
    assert t.weeks == weeks_ending(WEEK, 12) and t.weeks[0] == "2026-W36" and t.weeks[-1] == WEEK
    by_id = {s.entity_id: s.counts for s in t.series}
    assert by_id["evil-lab"][0] == 30  # the early week is inside the window
    assert by_id["anthropic"][-5:] == [1, 1, 1, 1, 9]
    # The six most mentioned over the twelve weeks, with roll-up: evil-lab, openai,
    # anthropic, amazon (aws, bedrock), then microsoft and aws.
    assert [s.entity_id for s in t.series] == [
        "evil-lab", "openai", "anthropic", "amazon", "microsoft", "aws",
    ]  # fmt: skip
    html = build_digest(settings, WEEK, AFTER).html.read_text(encoding="utf-8")
    # Small multiples: one chart per entity, all on one scale (0 to evil-lab's 30).
    assert html.count("<svg") == 6 and html.count("<polyline") == 6
    names = re.findall(r'<p class="mname">([^<]*) <strong>(\d+)</strong>', html)
    assert names[1:] == [("OpenAI", "6"), ("Anthropic", "9"), ("Amazon", "5"),
                         ("Microsoft", "3"), ("Amazon Web Services", "4")]  # fmt: skip
    assert "every chart on the same scale, 0 to 30." in html
    assert ">W36<" in html and ">W47<" in html


def test_feed_health_lists_feeds_failing_this_week(data: DigestData, markdown: str) -> None:
    feeds = [(f.name, f.failures, f.fetches, f.failing_at_end) for f in data.failing_feeds]
    # Still failing at the week's end first; a feed that failed two weeks ago is not listed.
    assert feeds == [("Broken Feed", 2, 2, True), ("Flaky", 1, 2, False)]
    broken = data.failing_feeds[0]
    assert (broken.last_outcome, broken.last_error, broken.consecutive_failures) == (
        "hard", "HTTP 404 Not Found", 2,
    )  # fmt: skip
    assert (
        "| [Broken Feed](https://broken.example/feed.xml) | 2 of 2 | hard: HTTP 404 Not Found "
        "| failing |"
    ) in markdown
    assert (
        "| [Flaky](https://flaky.example/rss) | 1 of 2 | soft: timed out | recovered |" in markdown
    )


def test_empty_week_says_so(settings: Settings) -> None:
    result = build_digest(settings, "2020-W01", AFTER)
    assert result.articles == 0
    for path in (result.markdown, result.html):
        text = path.read_text(encoding="utf-8")
        assert "No articles were stored for this week." in text
        assert "The newest stored article is from 2026-W48." not in text  # newer, not older
        assert "No ingest ran during this week." in text
        assert "No deals were reported this week." in text
        assert "No stories this week." in text
        assert "No mentions in the 12 weeks to 2020-W01." in text
    assert result.headline == "labwatch digest 2020-W01: no articles were stored for this week."


def test_empty_warehouse_and_later_week(home: Path) -> None:
    settings = load_settings(home)
    text = build_digest(settings, "2026-W10", AFTER).markdown.read_text(encoding="utf-8")
    assert "The warehouse holds no articles yet" in text
    fill(home)
    text = build_digest(load_settings(home), "2026-W52", AFTER).markdown.read_text(encoding="utf-8")
    assert "The newest stored article is from 2026-W48." in text


def test_thin_week_and_week_in_progress(settings: Settings) -> None:
    # Week 48 has 1 article against a mean of 2.75 over weeks 44 to 47 (2, 3, 2, 4), and
    # is not over yet.
    now = day(1, 2)
    text = build_digest(settings, "2026-W48", now).markdown.read_text(encoding="utf-8")
    assert "A thin week: 1 article against a mean of 2.8 over the 4 weeks before." in text
    assert "This week is not over: figures as of Wed 25 Nov 09:00 UTC." in text
    later = build_digest(settings, "2026-W48", AFTER).markdown.read_text(encoding="utf-8")
    assert "not over" not in later and "A thin week" in later
    assert "A thin week" not in build_digest(settings, WEEK, AFTER).markdown.read_text()


def test_week_is_validated_and_canonical(settings: Settings) -> None:
    assert canonical_week("2026-w7") == "2026-W07"
    for bad in ("2026-47", "2026-W47x", "2025-W53", "../2026-W47", "2026-W00"):
        with pytest.raises(ValueError):
            canonical_week(bad)
    assert build_digest(settings, "2026-w47", AFTER).markdown.name == "2026-W47.md"


def test_scheduled_digest_is_of_the_last_complete_week() -> None:
    assert last_complete_week(datetime(2026, 11, 23, 7, tzinfo=UTC)) == WEEK  # Monday 07:00
    assert last_complete_week(datetime(2026, 11, 29, 23, tzinfo=UTC)) == WEEK  # Sunday night
    assert last_complete_week(datetime(2027, 1, 4, 7, tzinfo=UTC)) == "2026-W53"


def test_helpers() -> None:
    assert safe_url("https://example.com/a b") == "https://example.com/a%20b"
    assert safe_url("https://example.com/a)b") == "https://example.com/a%29b"
    assert safe_url('https://example.com/"><script>') == "https://example.com/%22%3E%3Cscript%3E"
    assert safe_url("javascript:alert(1)") == ""
    assert safe_url(" JavaScript:alert(1)") == ""
    assert safe_url("\x01javascript:alert(1)") == ""
    assert safe_url("java\tscript:alert(1)") == ""
    assert safe_url("data:text/html,x") == ""
    assert safe_url("/relative") == ""
    assert safe_url("//evil.example/x") == ""
    assert safe_url("https:no-host") == ""
    assert md("a|b\nc") == "a\\|b c"
    assert md("$5 and $6") == "\\$5 and \\$6"
    assert md("<b>") == "&lt;b&gt;"
    assert md_link("x]y", "javascript:alert(1)") == "x\\]y"
    assert money(400e6, 650e6, "reportedly") == "reportedly $400M–$650M"
    assert money(None, None) == "undisclosed"
    assert (change(3, 1), change(1, 4), change(2, 0), change(0, 0)) == ("+200%", "−75%", "new", "–")
    assert spark([0, 1, 2, 4]) == "▁▃▅█"
    assert (heat(0, 4), heat(1, 4), heat(4, 4)) == (0, 2, 5)
