"""What a whole article calls an ambiguous name: the first time it spells it, and the words
that introduce it (extractors/senses_resolver.py `_first_reference`), with the rules next to
a name that whole articles asked for.

The articles are written for these tests (not taken from the evaluation sets): the rules
must hold on text nobody tuned them for. Each case fails without its rule; the near-misses
hold with or without it.
"""

from __future__ import annotations

import pytest

from extractors.analyse import tag_title_and_body
from extractors.entities import Tagger, load_watchlist
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def named(text: str, surface: str) -> list[bool]:
    """For each spelling of `surface` in `text`, in order, whether a mention covers it."""
    spans = [(m.start, m.end) for m in TAGGER.tag(text)]
    out, at = [], text.find(surface)
    while at >= 0:
        out.append(any(a <= at < b for a, b in spans))
        at = text.find(surface, at + 1)
    return out


# A girl named Alexa, in a story that names Amazon elsewhere.
GIRL = (
    "Alexa Okafor, a seventh grader in Dayton, won the county science fair on Friday. "
    "Her rain gauge texts her father when the gutter overflows. "
    "Alexa spent the summer on the wiring. "
    "The fair's prizes were paid for by Amazon and two local banks. "
    "Alexa hopes to enter the state fair next spring."
)

# A singer, then a digitisation paid for by the search engine's owner.
SINGER = (
    "Bing Crosby's radio shows are online for the first time. "
    "The reels were cleaned with software donated by Microsoft. "
    "Bing recorded more than 4,000 of them between 1946 and 1954. "
    "Critics say Bing sounds younger on tape than on his records."
)


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        # introduced as a person (a surname), then bare, never in a sentence with the
        # entity's family: the person
        (GIRL, "Alexa", [False, False, False]),
        # introduced inside an `exclude` match (the watchlist's "Bing Crosby")
        (SINGER, "Bing", [False, False, False]),
        # introduced as another thing by the words before it ("the submersible Titan"),
        # while the article names Amazon Titan in full
        (
            "Two years after the submersible Titan imploded, dive operators publish their "
            "inspection records. One indexes them with Amazon Titan embeddings on AWS. "
            "Families of those lost on Titan want the rules tightened.",
            "Titan",
            [False, True, False],
        ),
    ],
)
def test_the_first_reference_says_what_a_bare_name_is(
    text: str, surface: str, expected: list[bool]
) -> None:
    assert named(text, surface) == expected


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        # introduced as the entity too: by an appositive in the industry's words, by its
        # maker's possessive, by what it is called before it. Both senses stand in the
        # article, and a bare name is read as before.
        (
            "The show opens with Claude Monet's water lilies. Curators used Claude, the "
            "chatbot made by Anthropic, to draft the labels. Claude was good at the "
            "plain-language versions.",
            "Claude",
            [False, True, True],
        ),
        (
            "Claude Shannon founded information theory in 1948. Anthropic's Claude is "
            "named after him. Claude can now browse the web for answers.",
            "Claude",
            [False, True, True],
        ),
        (
            "Bing Crosby's version topped the holiday list, Microsoft's search engine Bing "
            "said on Monday. Searches on Bing rose 40% in December.",
            "Bing",
            [False, True, True],
        ),
        # tied to the entity in a sentence that names its maker: the article is about it
        (
            "Alexa Boyd, a nurse in Leeds, was the first caller. Amazon said on Tuesday that "
            "the upgraded Alexa can book appointments. Alexa now answers in 12 languages.",
            "Alexa",
            [False, True, True],
        ),
        # a name made something else only where it stands (an age, a quoted title, ", who")
        # says nothing of the rest of the text; a product line in quotes is no title
        (
            "Alexa, 11, now runs on a new model, Amazon said. Alexa can book appointments.",
            "Alexa",
            [False, True],
        ),
        (
            'Anthropic launched "Claude for Financial Services" on Tuesday. Claude now '
            "reads filings.",
            "Claude",
            [True, True],
        ),
        # a name that is the entity unless said otherwise keeps that: the company and the
        # region are both in most such stories
        (
            "Fourteen schools in the surrounding Amazon now have satellite internet. "
            "Amazon said it would not sell advertising on the service.",
            "Amazon",
            [False, True],
        ),
    ],
)
def test_what_introduces_the_entity_keeps_it(text: str, surface: str, expected: list[bool]) -> None:
    assert named(text, surface) == expected


def test_a_title_follows_its_body() -> None:
    # The title's own first spelling is the singer's, but the body names the search
    # engine: the body vouches for the title's bare name.
    title = "Bing Crosby's White Christmas tops holiday searches again, Bing says"
    body = "Microsoft's search engine Bing said the song led its December searches."
    in_title, in_body = tag_title_and_body(TAGGER, title, body)
    assert [m.start for m in in_title if m.entity == "bing"] == [title.rindex("Bing")]
    assert [m.entity for m in in_body] == ["microsoft", "bing"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a work's title in quotes: three words or more, capitalised but for a small word
        ('The poetry prize went to "Alphabet of Small Rooms," a debut collection.', []),
        (
            "“Gemini and the Art of War” opens; Google DeepMind lent the cast its app.",
            ["google-deepmind"],
        ),
        # near-misses: a product quoted, a sentence quoted
        ('Amazon\'s "Alexa Plus" costs $19.99 a month.', ["amazon", "alexa"]),
        ('"Claude was good at the summaries," said Anthropic\'s product lead.', None),
        # a product's name before ", who" is a person's; an organisation's is left alone
        ("Bing, who recorded the song in 1942, tops Microsoft's search list.", ["microsoft"]),
        ("Microsoft, who declined to comment, owns Bing.", ["microsoft", "bing"]),
        # an age after the name
        ("Alexa, 11, wired her Amazon speaker to a flood sensor.", ["amazon"]),
        ("Alexa, play the news.", ["alexa"]),
        # a possessive after an article: not a company's
        ("Cloud software sharpens the watch on the Amazon's vanishing forests.", []),
        ("Satellites sharpen the watch on Amazon's warehouses.", ["amazon"]),
        # a place: "the town of X", an appositive that calls it one
        ("A data centre plan divides the small Wisconsin town of Azure.", []),
        ("Residents of Azure, a farming town, voted on Microsoft's data centre.", ["microsoft"]),
        ("The cost of Azure rose for Microsoft customers this year.", ["azure", "microsoft"]),
        # given names; an age in an appositive anywhere (a being), not an event or a reporting
        # clause
        ("Girls named Alexa are tired of Amazon's speaker.", ["amazon"]),
        ("The lifting is done by Gemini, a 12-year-old llama, on Google's trail.", ["google"]),
        (
            "The code moved to Azure, a shift that took Microsoft four years.",
            ["azure", "microsoft"],
        ),
        ("Meta has no plans to acquire Perplexity, a spokesperson said.", ["meta", "perplexity"]),
        # another maker's possessive, with the other sense's words; a place's is left alone
        (
            "TII's Falcon 3 is out. Fans confuse it with SpaceX's Falcon 9 rocket.",
            ["tii", "falcon"],
        ),
        ("TII released Falcon 3. Abu Dhabi's Falcon models are open.", ["tii", "falcon", "falcon"]),
        # other organisations and things the words around the name make it
        ("Apple Corps sued over the name in 1978.", []),
        ("The Washington Apple Commission expects a record crop.", []),
        ("At climate talks on the Amazon, Amazon pledged to buy credits.", ["amazon"]),
        ("Sellers on the Amazon marketplace pay fees.", ["amazon"]),
        ('"Count the trees," said Marina Souza of the campaign group Amazon Watch.', []),
        ("Apple Records reissued the album on vinyl.", []),
        (
            "Gemini North, the telescope on Mauna Kea, took the spectrum. Its pipeline ran on "
            "Google Cloud.",
            ["google-cloud"],
        ),
        ("She joined Thinking Machines Corporation, a start-up that raised $16 million.", []),
        ("The submersible Titan imploded; its maker used Amazon Titan models.", ["amazon-titan"]),
    ],
)
def test_the_words_around_a_name(text: str, expected: list[str] | None) -> None:
    found = [m.entity for m in TAGGER.tag(text)]
    if expected is None:  # a sentence quoted: the name is read as it would be unquoted
        assert found == [m.entity for m in TAGGER.tag(text.replace('"', ""))]
    else:
        assert found == expected
