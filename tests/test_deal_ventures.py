"""Deals that are not money, as news tells them (docs/deals.md, "Round 10"): joint ventures
whose partners are listed with names the watchlist lacks or with a company suffix ("Abu
Dhabi fund MGX, French public bank Bpifrance, Mistral AI and Nvidia will set up a joint
venture", "SoftBank Corp. and OpenAI"), a venture named before who formed it, a count of a
maker's chips held or ordered, chips brought to a company's cloud, partners that team up or
work together. Each form on sentences written for the test, with near-misses: a venture
refused or negated, a list that is a clause, a company's people, counts of its own
products."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.deals import find_deals
from extractors.entities import Tagger, load_watchlist
from extractors.records import Deal
from seeds import SEEDS_DIR

TAGGER = Tagger(load_watchlist(SEEDS_DIR / "watchlist.toml"))


def deals_of(text: str) -> list[Deal]:
    """The deals of `text` as an article of 1 June 2025 (a year before that is background)."""
    return find_deals(text, TAGGER.tag(text), TAGGER.watchlist.ancestors, date(2025, 6, 1))


def found(text: str) -> set[tuple[str, str, str, str]]:
    """(kind, investor, target, status) of every deal found."""
    return {(d.kind, d.investor, d.target, d.status) for d in deals_of(text)}


def partners(text: str) -> list[tuple[frozenset[str], str]]:
    """Each joint venture found: its partners and its status."""
    return [
        (frozenset(e for e, _ in d.roles), d.status)
        for d in deals_of(text)
        if d.kind == "joint_venture"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a subject list with names the watchlist lacks, after a dateline
        (
            "PARIS, Feb 10 (Reuters) - Abu Dhabi fund Aldar, French public bank Bpifrance, "
            "Mistral AI and Nvidia will set up a joint venture to build a campus near Paris.",
            [(frozenset({"mistral-ai", "nvidia"}), "reported")],
        ),
        (
            "Oracle, Silver Lake and Microsoft on Monday agreed to form a joint venture to run "
            "the app's US business.",
            [(frozenset({"oracle", "microsoft"}), "reported")],
        ),
        # a company's suffix is part of its name
        (
            "IBM Corp. and Oracle Corp. will set up a 50-50 joint venture to build data centres.",
            [(frozenset({"ibm", "oracle"}), "reported")],
        ),
        (
            "Watsonx Japan, the 50-50 joint venture of IBM Corp. and Nvidia, will start selling "
            "its agents next year.",
            [(frozenset({"ibm", "nvidia"}), "reported")],
        ),
        # the subject and the list after "with", one venture however it is read
        (
            "Apple signed a deal to form a joint venture with Oracle, Silver Lake and Microsoft.",
            [(frozenset({"apple", "oracle", "microsoft"}), "reported")],
        ),
        (
            "Apple Signs Deal to Form U.S. Joint Venture With Oracle, Silver Lake and Nvidia",
            [(frozenset({"apple", "oracle", "nvidia"}), "reported")],
        ),
        (
            "Microsoft will form a joint venture with OpenAI to sell AI in Japan.",
            [(frozenset({"microsoft", "openai"}), "reported")],
        ),
        # a venture named, then who formed it: context
        (
            "Stargate, the joint venture OpenAI, Oracle and Nvidia unveiled in January, has "
            "hired a former Meta executive.",
            [(frozenset({"openai", "oracle", "nvidia"}), "background")],
        ),
        # near-misses: a venture negated, a subject that is a clause, a venture of products
        ("Microsoft said it would not form a joint venture with OpenAI.", []),
        ("Microsoft did not form a joint venture with OpenAI.", []),
        (
            "Analysts who follow Nvidia and AMD said a joint venture was unlikely.",
            [],
        ),
        ("ChatGPT and Claude will set up a joint venture, a satirical site wrote.", []),
    ],
)
def test_joint_ventures(text: str, expected: list[tuple[frozenset[str], str]]) -> None:
    assert partners(text) == expected


def test_venture_size_is_its_amount() -> None:
    (deal,) = deals_of("Microsoft and OpenAI will set up a $2 billion joint venture in Japan.")
    assert deal.kind == "joint_venture" and deal.amount == 2_000_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a count of a maker's chips held, deployed or bought; an order for them
        (
            "Apple would have about 85,000 of Nvidia's H100 chips by the end of the year.",
            {("compute", "nvidia", "apple", "reported")},
        ),
        (
            "Mistral AI will deploy 18,000 of Nvidia's latest Grace Blackwell chips.",
            {("compute", "nvidia", "mistral-ai", "reported")},
        ),
        (
            "Oracle is set to spend about $40 billion on roughly 400,000 of Nvidia's most "
            "advanced GB200 chips.",
            {("compute", "nvidia", "oracle", "reported")},
        ),
        (
            "Apple is placing a roughly $1 billion order for Nvidia's GB300 servers.",
            {("compute", "nvidia", "apple", "reported")},
        ),
        # near-misses: a company's own products counted, a share of profits
        ("Nvidia shipped 3 million of its chips last quarter.", set()),
        ("Apple has 2 billion of its devices in use.", set()),
        # chips brought to a company's cloud go to the cloud; a cloud's own purchase stays
        (
            "Microsoft is bringing Nvidia's GB200 accelerators to Azure in a new virtual "
            "machine series.",
            {("compute", "nvidia", "azure", "reported")},
        ),
        (
            "IBM will deploy Nvidia's H200 GPUs as a service on IBM Cloud.",
            {("compute", "nvidia", "ibm-cloud", "reported")},
        ),
        (
            "Microsoft will rent capacity from CoreWeave for Azure's customers.",
            {("compute", "coreweave", "microsoft", "reported")},
        ),
    ],
)
def test_chips_and_clouds(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # partners that team up or work together
        (
            "Nvidia and Hugging Face are teaming up so developers can train models in a click.",
            {("partnership", "hugging-face", "nvidia", "reported")},
        ),
        (
            "Oracle and Microsoft Team Up to Run Oracle Database Inside Azure",
            {("partnership", "microsoft", "oracle", "reported")},
        ),
        (
            "Perplexity is teaming up with Alibaba to build a Chinese version of its app.",
            {("partnership", "alibaba", "perplexity", "reported")},
        ),
        (
            "Apple is working with Google on a new version of its assistant.",
            {("partnership", "apple", "google", "reported")},
        ),
        (
            "Nvidia will collaborate with IBM on chips for mainframes.",
            {("partnership", "ibm", "nvidia", "reported")},
        ),
        # near-misses: a company's people, a partnership negated
        ("Microsoft's engineers work with OpenAI's researchers.", set()),
        ("Apple is not working with Google on its assistant.", set()),
    ],
)
def test_partners(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a product built on another's models licenses them, as it stands
        (
            "Perplexity now also uses models from Anthropic and Google.",
            {
                ("licensing", "perplexity", "anthropic", "background"),
                ("licensing", "perplexity", "google", "background"),
            },
        ),
        (
            "Cohere's agents run on models from outside developers, including OpenAI's GPT-4.",
            {("licensing", "cohere", "openai", "background")},
        ),
        # "the start-up" is not the round's backer of the sentence before
        (
            "Perplexity raised $500 million in a new round on Monday. Last June, Nvidia and "
            "Salesforce co-led its previous round. The start-up's agents run on a mix of models "
            "from providers including OpenAI and Anthropic.",
            {
                ("licensing", "perplexity", "anthropic", "background"),
                ("licensing", "perplexity", "openai", "background"),
            },
        ),
        # near-misses: chips that train others' models, a platform that offers them
        ("Nvidia sells chips used to train models from OpenAI.", set()),
    ],
)
def test_models_used(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert {d for d in found(text) if d[0] == "licensing"} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # computing built or run for a buyer
        (
            "Oracle is building a data center in Abilene, Texas, for OpenAI.",
            {("compute", "oracle", "openai", "reported")},
        ),
        (
            "Crusoe is developing a 1.2-gigawatt campus in Abilene for Oracle.",
            {("compute", "crusoe", "oracle", "reported")},
        ),
        (
            "Amazon Web Services and Nvidia said that AWS will host a new AI supercomputer for "
            "Nvidia's own research team.",
            {("compute", "aws", "nvidia", "reported")},
        ),
        # near-misses: one's own data centre, a price
        ("Microsoft is building a data center for its own use.", set()),
        ("Google is building a data center in Ohio for $2 billion.", set()),
        # in reported speech "from it" is the speaker when the clause has a subject of its own
        (
            "Nebius said on Tuesday that Meta will rent GPU capacity from it for five years.",
            {("compute", "nebius", "meta", "reported")},
        ),
        # ... but not when the clause names two parties ("it" may be either)
        (
            "Nebius said Meta and Microsoft will rent GPU capacity from it.",
            set(),
        ),
    ],
)
def test_compute_built_for(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the partner that does not make the models offers them; a model named after its
        # maker stands for the maker the watchlist gives it
        (
            "Salesforce and Google today announced an expanded partnership that brings "
            "Google's Gemini models into Agentforce 360.",
            {
                ("distribution", "salesforce", "google-deepmind", "reported"),
                ("partnership", "google", "salesforce", "reported"),
            },
        ),
        (
            "Microsoft and Amazon will host Meta's Llama models.",
            {
                ("distribution", "microsoft", "meta", "reported"),
                ("distribution", "amazon", "meta", "reported"),
            },
        ),
        # the place named after the models is the platform; the "deal" is that distribution,
        # not also a partnership, which the text does not call it (round 11)
        (
            "Microsoft and OpenAI announced a deal that brings OpenAI's models to Azure.",
            {("distribution", "azure", "openai", "reported")},
        ),
        (
            "Microsoft and OpenAI announced a partnership that brings OpenAI's models to Azure.",
            {
                ("distribution", "azure", "openai", "reported"),
                ("partnership", "microsoft", "openai", "reported"),
            },
        ),
    ],
)
def test_models_offered(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a venture named after its partners' verb, in a subordinate clause too
        (
            "The shares fell a week after OpenAI, Oracle and Nvidia unveiled Stargate, a venture "
            "that promised to spend up to $500 billion.",
            [(frozenset({"openai", "oracle", "nvidia"}), "reported")],
        ),
        # a consortium's members, with names the watchlist lacks and their titles
        (
            "A consortium of France's Bpifrance, the UAE investment firm Aldar, Nvidia and "
            "Mistral AI will build Europe's biggest AI campus.",
            [(frozenset({"nvidia", "mistral-ai"}), "reported")],
        ),
        # a 50-50 venture, a company set up together
        (
            "Nebius and Crusoe set up a 50-50 venture to build a campus in Norway.",
            [(frozenset({"nebius", "crusoe"}), "reported")],
        ),
        (
            "Microsoft and OpenAI will set up a company in Japan to sell AI tools.",
            [(frozenset({"microsoft", "openai"}), "reported")],
        ),
        # near-miss: one company sets up a company
        ("Microsoft said it will set up a company to sell OpenAI's tools.", []),
    ],
)
def test_ventures_named(text: str, expected: list[tuple[frozenset[str], str]]) -> None:
    assert partners(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a partner after a time or a title
        (
            "Anthropic teamed up last month with Palantir to offer its models to agencies.",
            set(),  # Palantir is not watched by default: no deal
        ),
        (
            "OpenAI has joined forces with chip designer Nvidia to build servers.",
            {("partnership", "nvidia", "openai", "reported")},
        ),
        (
            "Anthropic teamed up last month with Salesforce to sell its models.",
            {("partnership", "anthropic", "salesforce", "reported")},
        ),
        # a licence of a company's models and the taking on of its staff is an acqui-hire
        (
            "Microsoft paid about $650 million to license Inflection AI's models and take on "
            "most of its staff.",
            {("acquihire", "microsoft", "inflection-ai", "reported")},
        ),
    ],
)
def test_partners_and_hires(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert {d for d in found(text) if d[0] != "investment"} == expected


def test_the_start_up_is_not_its_investors() -> None:
    text = (
        "Perplexity signed a $100 million partnership with Apple. The start-up, which counts "
        "Microsoft, Nvidia and Amazon among its investors, also struck a content deal with "
        "Salesforce."
    )
    investors = {d.investor for d in deals_of(text) if d.kind == "investment"}
    assert investors == {"microsoft", "nvidia", "amazon"}
    assert {d.target for d in deals_of(text) if d.kind == "investment"} == {"perplexity"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # what runs on a cloud is the company's own (the rule's last word boundary needed a
        # word after the cloud's name, so "runs on AWS," was never read)
        (
            "Perplexity, whose answer engine runs on AWS, went down for several hours.",
            {("compute", "aws", "perplexity", "background")},
        ),
        (
            "Perplexity runs on Google Cloud.",
            {("compute", "google-cloud", "perplexity", "reported")},
        ),
        # near-misses: models that run on clouds, an app built on another's models
        ("OpenAI released two open-weight models that run on AWS and Azure.", set()),
        ("The demo app, built on Mistral AI's open-weight models, runs on AWS.", set()),
        # a lab's models sold through a platform, a carrier's subscribers given a product
        (
            "Mistral AI's models are also sold to corporate customers through Microsoft's Azure "
            "cloud.",
            {("distribution", "azure", "mistral-ai", "reported")},
        ),
        (
            "Apple will give its 360 million subscribers a free year of Perplexity Pro.",
            {("distribution", "apple", "perplexity", "reported")},
        ),
        (
            "IBM has offered Perplexity Pro to its Japanese customers.",
            {("distribution", "ibm", "perplexity", "reported")},
        ),
        (
            "Oracle will sell access to Google's Gemini models to its cloud customers.",
            {("distribution", "oracle", "google-deepmind", "reported")},
        ),
        # near-misses: a cloud's own customers, chips sold
        ("Microsoft offers its customers access to Google Cloud.", set()),
        ("Nvidia sells its chips to many customers.", set()),
    ],
)
def test_platforms(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "the two" that work together: the sentence's two parties, else the sentence before's
        (
            "Nvidia agreed to take a $1 billion stake in Cohere. The cheque came wrapped in a "
            "strategic partnership: the two will develop AI-native radio gear.",
            {
                ("investment", "nvidia", "cohere", "reported"),
                ("partnership", "cohere", "nvidia", "reported"),
            },
        ),
        (
            "IBM will run its applications on Microsoft's Azure cloud, and the two companies "
            "will jointly sell AI tools to governments.",
            {
                ("compute", "azure", "ibm", "reported"),
                ("partnership", "ibm", "microsoft", "reported"),
            },
        ),
        (
            "Oracle will sell Google's Gemini models. The two companies already cooperate on "
            "databases.",
            {
                ("distribution", "oracle", "google-deepmind", "reported"),
                ("partnership", "google", "oracle", "background"),
            },
        ),
        # near-misses: rivals that never worked together, three parties before "the two"
        ("Microsoft and Google are rivals. The two have never worked together.", set()),
        (
            "Microsoft, Google and Amazon bid for the contract. The two will build it together.",
            set(),
        ),
    ],
)
def test_the_two(text: str, expected: set[tuple[str, str, str, str]]) -> None:
    assert found(text) == expected


def test_a_list_a_title_makes_an_object_is_no_subject() -> None:
    # "It counts A, B and C among its customers and has signed contracts with B": neither
    # the list nor its first name signed anything
    text = (
        "CoreWeave has been on a buying spree this year. It counts Microsoft, OpenAI and Meta "
        "among its biggest customers and has signed contracts with OpenAI worth $22.4 billion."
    )
    assert not [d for d in deals_of(text) if d.kind == "partnership"]


@pytest.mark.parametrize(
    ("text", "investee"),
    [
        # "the start-up" is not a maker named for its model ("OpenAI's GPT-5.1")
        (
            "Anthropic released Claude Opus 4.5 on Monday. It arrives a week after Google's "
            "Gemini 3 Pro and OpenAI's GPT-5.1-Codex-Max. Microsoft and Nvidia said last week "
            "they would invest up to $5 billion and $10 billion respectively in the start-up.",
            "anthropic",
        ),
    ],
)
def test_the_start_up(text: str, investee: str) -> None:
    assert {d.target for d in deals_of(text) if d.kind == "investment"} == {investee}


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # after the lede, a deal dated before the article's month is recalled: background
        (
            "Nvidia reported record sales on Wednesday. The chipmaker agreed last month to "
            "supply OpenAI with ten gigawatts of systems.",
            "background",
        ),
        (
            "Nvidia reported record sales on Wednesday. Nvidia agreed in March to supply OpenAI "
            "with chips.",
            "background",
        ),
        (
            "Nvidia reported record sales on Wednesday. Nvidia agreed two months ago to supply "
            "OpenAI with chips.",
            "background",
        ),
        # the lede's own deal, a month still to come, a month with a later year: news
        ("Nvidia agreed last month to supply OpenAI with chips.", "reported"),
        (
            "Nvidia reported record sales on Wednesday. Nvidia will supply OpenAI with chips "
            "from September.",
            "reported",
        ),
    ],
)
def test_recalled_by_its_date(text: str, status: str) -> None:
    (deal,) = [d for d in deals_of(text) if d.kind == "compute"]
    assert (deal.investor, deal.target, deal.status) == ("nvidia", "openai", status)


@pytest.mark.parametrize(
    "text",
    [
        # the review's near-misses (docs/deals.md, "Round 10"): none of these is a deal
        "SoftBank said OpenAI would seed a new fund for Japanese start-ups and take a 10% stake "
        "in it.",
        "Anthropic and OpenAI released rival coding agents on the same day, and the two offer "
        "them at nearly identical prices.",
        "Google and Microsoft reported quarterly results on Tuesday. The two sell cloud services "
        "to many of the same customers.",
        "Nvidia's Jensen Huang and Meta's Yann LeCun debated on stage, and the two will launch a "
        "podcast next month.",
        "Former Google and OpenAI researchers have set up a company in Paris to build agents.",
        "Ex-Anthropic and OpenAI staff set up a new company called Periodic Labs.",
        "Former Microsoft and Amazon engineers launched Lumen, a venture-backed start-up.",
        "Nvidia and Salesforce partners launched Harbor, a venture capital firm focused on AI.",
        "A consortium of lenders including Oracle and IBM will provide $18 billion of debt.",
        "Meta is building a data centre in Louisiana for Nvidia's newest Blackwell chips.",
        "Apps built with OpenAI's tools run on Azure.",
        "Perplexity is working with lawyers to sue Anthropic over scraping.",
        "Snowflake works with customers such as Salesforce and Apple.",
        "DeepSeek used models from OpenAI to train its R1 system, OpenAI alleged.",
        "Apple used models from OpenAI and Google to benchmark its own.",
        "IBM and Oracle ended their database partnership last year; the two now operate "
        "separate clouds.",
    ],
)
def test_review_near_misses(text: str) -> None:
    assert found(text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the list ends before a person; a refusal before the verb is the venture's status
        (
            "Microsoft will form a joint venture with OpenAI, Nvidia chief executive Jensen "
            "Huang said on Tuesday.",
            [(frozenset({"microsoft", "openai"}), "reported")],
        ),
        (
            "IBM Corp. and OpenAI declined to set up a joint venture in Korea.",
            [(frozenset({"ibm", "openai"}), "denied")],
        ),
        # "it" in reported speech after an "it" of the clause's own: not read
        ("Amazon said Anthropic was growing and that it would invest $4 billion in it.", []),
    ],
)
def test_review_ventures(text: str, expected: list[tuple[frozenset[str], str]]) -> None:
    assert partners(text) == expected


def test_review_it_is_not_read_twice() -> None:
    text = "Amazon said Anthropic was growing and that it would invest $4 billion in it."
    assert ("investment", "anthropic", "amazon") not in {
        (d.kind, d.investor, d.target) for d in deals_of(text)
    }


def test_review_chips_go_to_the_cloud_named_after_them() -> None:
    text = "Microsoft will buy Nvidia's chips for the next Xbox, while Azure keeps its fleet."
    assert {(d.kind, d.investor, d.target) for d in deals_of(text)} == {
        ("compute", "nvidia", "microsoft")
    }
