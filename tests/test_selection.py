"""The per-page choice of text: trafilatura's lines, plus those two other extractors agree on."""

from __future__ import annotations

from collections.abc import Mapping

from extractors.selection import (
    DOUBT_SHARE,
    RESILIPARSE,
    TRIM_DISAGREE,
    choose,
    lines,
    similarity,
    without_headline,
)

BODY = [
    "The council approved the new ferry timetable on Tuesday after a long debate.",
    "Crossings will run every twenty minutes at peak times from the first of June.",
    "The operator said it would hire six more crew members to cover the extra sailings.",
]
MISSED = "Fares stay at their current level until the end of the year, the council said."
CHROME = "Sign up for our newsletter and get the morning briefing in your inbox every day."


def not_called() -> str:
    raise AssertionError("the second opinion was asked for, though nothing was in doubt")


def test_a_line_both_others_hold_is_added() -> None:
    base = "\n".join(BODY)
    cheap = "\n".join([*BODY, MISSED, CHROME])
    second = "\n".join([*BODY, MISSED])
    choice = choose(base, cheap, lambda: second)
    assert choice.voted and choice.added == 1
    assert choice.text.splitlines() == [*BODY, MISSED]


def test_a_line_only_one_other_holds_is_not_added() -> None:
    base = "\n".join(BODY)
    choice = choose(base, "\n".join([*BODY, CHROME, CHROME]), lambda: "\n".join(BODY))
    assert choice.voted and choice.added == 0
    assert CHROME not in choice.text


def test_the_second_opinion_is_asked_only_when_the_cheap_one_finds_more() -> None:
    base = "\n".join(BODY)
    choice = choose(base, "\n".join(BODY[:2]), not_called)
    assert (choice.voted, choice.text) == (False, base)
    # A few extra words, under DOUBT_SHARE of the base's, do not call for a vote either.
    extra = "Home"
    assert len(extra.split()) < DOUBT_SHARE * len(base.split())
    assert not choose(base, f"{base}\n{extra}", not_called).voted


def test_repeated_lines_are_kept_once_and_short_ones_are_left() -> None:
    base = "\n".join([BODY[0], "Photo: AP", BODY[1], "Photo: AP", BODY[0]])
    choice = choose(base, base, not_called)
    assert choice.text.splitlines() == [BODY[0], "Photo: AP", BODY[1], "Photo: AP"]


def test_lines_compare_by_words_not_by_control_characters_or_case() -> None:
    # A page double-encoded as UTF-8: trafilatura drops the C1 controls, others keep them.
    garbled = "It doesn\u00e2\u0080\u0099t matter"
    assert lines(garbled)[0].key == lines("it DOESNâT   matter")[0].key


def test_a_first_line_that_is_the_title_is_dropped() -> None:
    text = "\n".join(["Council Approves New Ferry Timetable", *BODY])
    assert without_headline(text, "Council approves new ferry timetable").splitlines() == BODY
    # Only the first line, and only the whole title.
    assert without_headline(text, "Council approves") == text
    kept = "\n".join([BODY[0], "Council approves new ferry timetable"])
    assert without_headline(kept, "Council approves new ferry timetable") == kept


# A long page: trafilatura keeps its first section only, or takes in a product listing.
SECTIONS = [
    f"Section {n}: the harbour board heard evidence from pilots, crews and residents on the "
    f"ferry's {topic} before the vote, and the minutes record each of their objections."
    for n, topic in enumerate(["noise", "wake", "parking", "timetable", "fares", "lighting"])
]
LISTING = [
    f"Model {n} scooter, 25 km range, 350 W motor, folding frame, price on request, see deals"
    for n in range(12)
]


def no_rescuers() -> Mapping[str, str]:
    raise AssertionError("the rescuing extractors ran, though nothing called for them")


def test_a_fragment_is_replaced_by_the_whole_text_two_others_agree_on() -> None:
    whole = "\n".join(SECTIONS)
    choice = choose(
        SECTIONS[0],
        whole,
        lambda: CHROME,  # readability picked another part of the page: no confirmation
        lambda: {"baseline": whole, "justext": "\n".join(SECTIONS[:5])},
    )
    # The closest pair is resiliparse and baseline (the same text); of those, the shorter.
    assert (choice.source, choice.added) == (RESILIPARSE, 0)
    assert choice.text.splitlines() == SECTIONS


def test_no_rescue_when_readability_confirms_the_base_or_only_one_other_finds_more() -> None:
    whole = "\n".join(SECTIONS)
    confirmed = choose(SECTIONS[0], whole, lambda: SECTIONS[0], no_rescuers)
    assert (confirmed.source, confirmed.text) == ("", SECTIONS[0])
    alone = choose(SECTIONS[0], whole, lambda: CHROME, lambda: {"baseline": "", "justext": ""})
    assert (alone.source, alone.text) == ("", SECTIONS[0])


def test_a_listing_taken_in_is_trimmed_to_the_text_both_others_agree_on() -> None:
    body = "\n".join(BODY)
    taken = "\n".join([*BODY, *LISTING])
    assert similarity(taken, body) < TRIM_DISAGREE
    choice = choose(taken, body, lambda: body, no_rescuers)
    assert (choice.source, choice.text) == (RESILIPARSE, body)
    # Not when readability keeps the listing too, nor without the page-level corrections.
    assert choose(taken, body, lambda: taken, no_rescuers).source == ""
    assert choose(taken, body, lambda: body).text == taken


def test_second_opinions_on_broken_markup_give_no_text_rather_than_an_error() -> None:
    from extractors.candidates import (
        baseline_text,
        justext_text,
        parse,
        readability_text,
        resiliparse_text,
    )

    tree = parse("<html><body><p>" + "word " * 60 + "</p></body></html>")
    assert tree is not None
    assert readability_text(tree)  # a plain page gives text
    empty = parse("<html></html>")
    assert empty is not None
    assert resiliparse_text("") == "" and readability_text(empty) == ""
    assert baseline_text(tree) and justext_text("<html><body><p>" + "the " * 60 + "</p>")
    assert baseline_text(empty) == "" and justext_text("") == ""
