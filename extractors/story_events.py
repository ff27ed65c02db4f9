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
# them ("sue", "taken to court"; "resigns", "quits", "steps down"). Not words that also
# stand for something else in headlines: bare "strike" (a war's), "leaves" ("leaves users
# stranded"), "administration" (a government), "fires" (a blaze).
KINDS: dict[str, str] = {
    "death": (
        r"dies|died|dead|death|passes away|passed away|obituary|mourn(?:s|ed|ing)?|tributes?"
    ),
    "listing": (
        r"ipo|initial public offering|goes? public|going public|listing|s-1|prospectus"
        r"|(?:market|trading|stock|share) debut"
    ),
    "recall": r"recalls?|recalled|recalling|contaminat(?:ed|ion)",
    "outage": (
        r"outages?|went down|goes down|is down|down for|offline|disruptions?|disrupt(?:s|ed)?"
        r"|glitch(?:es)?|fault"
    ),
    "crash": r"crash(?:es|ed)?",
    "lawsuit": (
        r"sues?|sued|suing|lawsuits?|class action|legal action|(?:taken|takes?|taking) .{0,40}"
        r"to court|files? suit"
    ),
    "ruling": (
        r"convicted|sentenced|guilty|acquitted|verdict|rul(?:es|ed|ing)(?! out)|overturns?"
        r"|upholds?|strikes? down|struck down"
    ),
    "fine": r"fined?|fines|penalty|penalties|penalised|penalized|ordered to pay",
    "layoffs": (
        r"layoffs?|lays off|laid off|job cuts|cuts? .{0,20}jobs|axes .{0,20}jobs|redundancies"
    ),
    "breach": (
        r"breach(?:ed|es)?|hack(?:ed|ers?)?|cyberattack|cyber-attack|data leak|ransomware"
        r"|stolen data|exposed (?:data|records)"
    ),
    "takeover": (
        r"acquires?|acquired|acquisition|takeover|buyout|to buy|buys|bought|merger|merges?"
        r"|bid for|rejects? .{0,30}bid"
    ),
    "departure": (
        r"resigns?|resigned|resignation|steps? down|stepping down|quits?|ousted|sacked|sacks"
        r"|dismissed|dismisses|departs|departure|exits|to leave|is leaving|leaves the company"
    ),
    "appointment": r"appoints?|appointed|hires?|hired|sworn in|takes over|new (?:ceo|chief)",
    "arrest": r"arrest(?:s|ed)?|detained|charged|charges|indicted|indictment",
    "ban": r"bans?|banned|banning|blocks?|blocked|cuts? off|disqualified|disqualifies",
    "halt": r"halts?|halted|halting|pauses?|paused|suspends?|suspended|suspension",
    "withdrawal": (
        r"pulls?|pulled|withdraws?|withdrawn|removes?|removed|delays?|delayed|postpones?"
        r"|postponed|scraps?|scrapped"
    ),
    "inquiry": r"investigation|probe|investigates|inquiry",
    "walkout": (
        r"walkout|walk out|walks out|on strike|strike action|strikers|pickets?|picket lines?"
        r"|(?:pilots|workers|staff|unions?|drivers|nurses|doctors|teachers|developers"
        r"|employees|crew) (?:to )?strike"
    ),
    "bankruptcy": (
        r"bankrupt|bankruptcy|insolvency|insolvent|chapter 11|creditor protection"
        r"|protection from creditors|(?:enters|goes into|collapses into) administration"
    ),
    "grounding": r"grounds|grounded|grounding",
    "closure": r"closure|shuts?|shutting|shut down",
    "disaster": (
        r"earthquake|quake|tremor|tsunami|floods?|flooding|wildfires?|bushfires?|hurricane"
        r"|cyclone|typhoon|storm|tornado|eruption|landslide|avalanche|derail(?:s|ed|ment)"
        r"|explosion|blast"
    ),
    "result": (
        r"beat(?:s|en)?|defeat(?:s|ed)?|thrash(?:es|ed)?|routs?|edges? past|draws? with"
        r"|held to a draw|victory over|win over|knocked out"
    ),
    "election": r"elected|re-elected|landslide|wins (?:the )?election|election (?:win|victory)",
    "sanction": (r"export (?:ban|curbs?|controls?|restrictions?)|blacklist(?:s|ed)?|entity list"),
    "union": r"unionis(?:e|es|ed|ing)|unioniz(?:e|es|ed|ing)|union vote",
}
_KIND = {kind: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for kind, words in KINDS.items()}


def headline_events(title: str) -> list[str]:
    """The kinds of happening a headline reports, in KINDS' order."""
    return [kind for kind, pattern in _KIND.items() if pattern.search(title)]
