"""What kind of happening a headline reports, for story keys: a death, a recall, an outage, a
lawsuit, a resignation. Read by the lead part (extractors/story_leads.py) to link other
outlets' reports of one event whose leads carry no figure.

Most news leads give no amount: "Robert Duvall dies aged 95", "Austria charges suspect over
Taylor Swift concert plot", "X recovers from global outage". Two outlets' headlines of one
such event name the same kind of happening, and their leads name the same people. A
different story on the same people that week is a different kind of happening, or recalls
this one in a later sentence, not in its headline. So the kinds below are read from the
headline only, and the lead part pairs each with the lead's names (two shared are needed).

The kinds are happenings that occur once for the people they concern in a day or two (a
person dies once; a company is rarely sued twice in a week). Not killings or strikes in a
war, nor visits, talks or speeches, nor launches (one company's products launch weekly):
those recur within days with the same names. Measured in
docs/extraction.md ("Reports that lead with no figure").
"""

from __future__ import annotations

import re

# Each kind: the words headlines report it with (whole words, any case), as outlets vary
# them ("sued", "taken to court"; "resigns", "quits", "steps down"). Not words headlines
# also use for something else: "fine" ("fine-tune"), "rules" ("new rules", "ruling party"),
# "beats" ("beats estimates"), "is down" (a share price), "crash" (a game, a share price),
# "to buy" ("where to buy"), "blocks", "hires", "charges" ("charges ahead"), "listing",
# "dead" ("Dead Space"), "tribute" ("tribute band"), "storm" ("a storm of criticism"),
# "landslide" (an election's), "union vote" ("European Union vote"), bare "strike" (a
# war's), "leaves" ("leaves users stranded").
KINDS: dict[str, str] = {
    "death": r"dies|died|death of|passes away|passed away|obituary|mourn(?:s|ed|ing)?",
    "listing": (
        r"ipo|initial public offering|goes public|going public|s-1 filing|prospectus"
        r"|(?:market|trading|stock|share) debut"
    ),
    "recall": r"recalls?|recalled|recalling|contaminat(?:ed|ion)",
    "outage": r"outages?|went down|goes down|offline|disruptions?|disrupt(?:s|ed)|glitch(?:es)?",
    "lawsuit": (
        r"sues?|sued|suing|lawsuits?|class action|legal action"
        r"|(?:taken|takes?|taking)(?: \S+){0,2} to court|files? suit"
    ),
    "ruling": (
        r"convicted|sentenced|guilty|acquitted|verdict|ruled|rules (?:against|in favou?r)"
        r"|overturns?|upholds?|strikes? down|struck down"
    ),
    "fine": r"fined|fines|penalty|penalised|penalized|ordered to pay",
    "layoffs": r"layoffs?|lays off|laid off|job cuts|cuts? (?:\S+ )?jobs|redundancies",
    "breach": (
        r"breach(?:ed|es)?|hacked|hackers|cyberattack|cyber-attack|data leak|ransomware"
        r"|stolen data|exposed (?:data|records)"
    ),
    "takeover": r"acquires?|acquired|acquisition|takeover|buyout|buys|merger|bid for",
    "departure": (
        r"resigns?|resigned|resignation|steps? down|stepping down|quits?|ousted|sacked|sacks"
        r"|dismissed|dismisses|departs|departure|exits|to leave|is leaving"
    ),
    "appointment": r"appoints?|appointed|sworn in|new (?:ceo|chief executive)|named (?:ceo|chief)",
    "arrest": r"arrest(?:s|ed)?|detained|charged (?:with|over|in)|indicted|indictment",
    "ban": r"bans?|banned|banning|cuts? off|disqualified|disqualifies",
    "halt": r"halts?|halted|halting|suspends?|suspended|suspension",
    "withdrawal": r"withdraws?|withdrawn|pulled from|removed from|postpones?|postponed|scrapped",
    "inquiry": r"investigation|investigates|inquiry|probe into|opens (?:a )?probe",
    "walkout": (
        r"walkout|walk out|walks out|on strike|strike action|strikers|picket lines?"
        r"|(?:pilots|workers|staff|unions?|drivers|nurses|doctors|teachers|developers"
        r"|employees|crew) (?:to )?strike"
    ),
    "bankruptcy": (
        r"bankrupt|bankruptcy|insolvency|insolvent|chapter 11|creditor protection"
        r"|protection from creditors|(?:enters|goes into|collapses into) administration"
    ),
    "grounding": r"grounded|grounding",
    "closure": r"closure|shuts|shutting|shut down",
    "disaster": (
        r"earthquake|quake|tsunami|floods|flooding|wildfires?|bushfires?|hurricane|cyclone"
        r"|typhoon|tornado|eruption|avalanche|derailed|derailment|explosion"
    ),
    "result": (
        r"defeat(?:s|ed)|thrash(?:es|ed)|edges? past|draws? with|held to a draw|victory over"
        r"|win over|knocked out"
    ),
    "election": r"elected|re-elected|wins (?:the )?election|election (?:win|victory)",
    "sanction": r"export (?:ban|curbs?|controls?|restrictions?)|blacklist(?:s|ed)?|entity list",
    "union": r"unionis(?:e|es|ed|ing)|unioniz(?:e|es|ed|ing)|vote to join (?:a |the )?union",
}
# One pass over the headline: each kind a named group, so the kinds come in the order the
# headline gives them; a word's start is checked once, before any kind's words are tried.
_KINDS = re.compile(
    r"\b(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in KINDS.items()) + r")\b"
)


def headline_events(title: str) -> list[str]:
    """The kinds of happening a headline reports, in the order it reports them."""
    found: dict[str, None] = {}
    for m in _KINDS.finditer(title.lower()):  # the words are lower case: faster than IGNORECASE
        if m.lastgroup:
            found[m.lastgroup] = None
    return list(found)
