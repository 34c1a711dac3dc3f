"""Reading a query: its words (typos corrected), role levels, comparisons and intents.

Nothing here knows the framework's items; it only notes what the words could mean. Which
words really name a level is settled later: a level word inside a matched name
("Strategic delivery planning") is part of the name, not a level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.knowledge.competency import Level
from bot.lookup.names import CORRECTION_FACTOR, Corrector
from bot.lookup.offtopic import is_off_topic
from bot.lookup.text import GENERIC, STOPWORDS, is_optional, term, words, wordset

A, M, S = Level.ADMINISTRATIVE, Level.MANAGERIAL, Level.STRATEGIC

LEVEL_WORDS: dict[str, Level] = {
    "administrative": A,
    "admin": A,
    "admins": A,
    "administrator": A,
    "administrators": A,
    "administratively": A,
    "adm": A,
    "clerical": A,
    "managerial": M,
    "managerially": M,
    "mgr": M,
    "mngr": M,
    "mgrs": M,
    "strategic": S,
    "strategically": S,
    "strat": S,
    "senior": S,
    "snr": S,
}
# Words that name a level only in some company (see `_level_of`).
MANAGER_WORDS = frozenset({"manager", "managers", "management"})
LEAD_WORDS = frozenset({"lead", "leads", "leading", "leader"})
# Words that can set a level, but that a spelling correction must not produce: only the full
# level names are safe to guess ("stratgic" is strategic, "leaking" is not "leading").
_LEVEL_BEARING = (frozenset(LEVEL_WORDS) | MANAGER_WORDS | LEAD_WORDS) - frozenset(
    {"administrative", "managerial", "strategic"}
)
PEOPLE = wordset(
    "nurse nurses gp gps clinician clinicians doctor doctors partner partners person "
    "people member members practitioner"
)
ROLE_PREFIXES = wordset(
    "practice pcn network business deputy assistant operations finance hr surgery "
    "established new experienced senior strategic managerial admin junior"
)
LEVEL_NOUNS = frozenset({"level", "lvl", "grade", "role", "position"})


COMPARE_WORDS = wordset(
    "compare compared comparing comparison vs versus v difference differences different diff "
    "differ contrast"
)
PIVOTS = wordset("or vs versus v")
DOMAIN_WORDS = wordset("domain domains ranges competencies competences list")
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
NUMBERS |= {"eight": 8, "nine": 9}

_GLOSSARY = re.compile(
    r"\b(stands? for|stood for|abbreviation|abbreviations|acronym|short for|define|"
    r"definition|meaning|full form|expand)\b|\bmeans?$"
)
_WHAT_IS = re.compile(
    r"^(what|whats|wat|wot)( is| are| s)?( a| an| the)? "
    r"(?!(in|on|for|about|involved|expected|required|needed|my|our|happening|it|there)\b)"
    r"\w+( \w+){0,2}$"
)
_DOMAIN_NUMBER = re.compile(r"\bdomain (\d|one|two|three|four|five|six|seven|eight|nine)\b")
_ALL_LEVELS = re.compile(r"\ball (three |3 )?(the )?levels\b|\bevery level\b|\beach level\b")
_FIRST_PERSON = re.compile(r"^(i|im|ive|id|we|were|my|our|who|whoever|when)\b|\b(i|we)\b")

# How people describe the level of their own work.
_CUES: tuple[tuple[re.Pattern[str], Level], ...] = (
    (
        re.compile(
            r"\b(i|we) (just |only |mainly |mostly |usually |sometimes )?"
            r"(help|assist|collect|collate|gather|input|enter|type|file|scan|support|"
            r"take part|participate|contribute|provide data|pull)\b|\bunder supervision\b|"
            r"\b(i|we) (just|only) "
        ),
        A,
    ),
    (
        re.compile(
            r"\b(i|we) (coordinate|co ordinate|manage|run|organise|organize|oversee|arrange)\b|"
            r"\bwithout (any )?supervision\b|\bunsupervised\b|\b(no one|nobody) checks\b|"
            r"\b(i|we) (do|did|run|ran) (it|them|this|that) autonomously\b"
        ),
        M,
    ),
    (
        re.compile(
            r"\b(i|we) (lead|advise|set|decide|represent|develop the strategy)\b|"
            r"\badvise (other )?practices\b|\bset(ting)? the strategy\b|\bfull responsibility\b"
        ),
        S,
    ),
)

# Verbs after "I"/"we" that say how senior the work is; they count only where the
# framework's text uses them too.
CUE_VERBS = wordset(
    "help helps assist collect collate gather input enter type file scan support participate "
    "contribute coordinate manage run organise organize oversee arrange lead advise set "
    "decide represent deal handle look sort do"
)
ADVERBS = wordset("just only mainly mostly usually sometimes also often generally")

# "bank holiday" is a day off, not the practice's bank.
_BANK_HOLIDAY = re.compile(r"\bbank holidays?\b", re.IGNORECASE)
# "according to nhs england": who says it, not what is asked about (the glossary's NHS).
_ATTRIBUTION = re.compile(
    r"\b(according to|as per|as set out by|in the eyes of) (the )?nhs ?(e|england)?\b"
    r"|\bnhs ?(e|england)('?s)? (?=(career|guidance|document))",
    re.IGNORECASE,
)
# Working without anyone over one, in the framework's word ("autonomous management of all ...
# staff", "working autonomously as well as collaborating").
_ALONE = re.compile(
    r"\b(on my own|by myself|all by myself|single ?handed(ly)?|independently)\b", re.IGNORECASE
)
# NHS England's framework is the career development framework (2024).
_ITS_FRAMEWORK = re.compile(r"\bnhs ?(e|england)('?s)? framework\b", re.IGNORECASE)

# Everyday words for what the framework's text says in its own words. Used only to find
# descriptors that describe the work, never to match names.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "clinician": ("clinical",),
    "clinicians": ("clinical",),
    "write": ("draft", "produce", "develop"),
    "wrote": ("draft", "produce", "develop"),
    "written": ("draft", "produce", "develop"),
    "writing": ("draft", "produce", "develop"),
    "tell": ("inform", "information", "disseminate"),
    "check": ("monitor", "ensure"),
    "checks": ("monitor", "ensure"),
    "checking": ("monitor", "ensure"),
    "sort": ("organise", "arrange"),
    "sorting": ("organise", "arrange"),
    "pay": ("payment",),
    "paying": ("payment",),
    "hire": ("recruitment",),
    "hiring": ("recruitment",),
    "talk": ("liaise", "communication"),
    "speak": ("liaise", "communication"),
    "chat": ("liaise", "communication"),
    "meet": ("meeting", "liaise"),
    "fix": ("maintenance", "repair"),
    "repair": ("maintenance",),
    "buy": ("purchase",),
    "doctor": ("gp", "clinician"),
    "doctors": ("gps", "clinicians"),
    "nurse": ("clinician",),
    "nurses": ("clinicians",),
    "builders": ("contractors",),
    "keep": ("maintain",),
    "keeps": ("maintain",),
    "spreadsheet": ("format",),
    "spreadsheets": ("format",),
    "sick": ("absence",),
    "lateness": ("timekeeping", "time"),
    "late": ("timekeeping",),
    "leave": ("changes", "personnel"),
    "leaves": ("changes", "personnel"),
    "promotion": ("progress", "seniority"),
    "promoted": ("progress", "seniority"),
    "money": ("finance", "financial"),
    "cut": ("reduce", "reducing"),
    "join": ("recruitment", "changes"),
    "joins": ("recruitment", "changes"),
    "joining": ("recruitment", "changes"),
    "joined": ("recruitment", "changes"),
    "cutting": ("reduce", "reducing"),
    "boss": ("manager",),
    "contact": ("liaison", "liaise"),
    "replace": ("replacement",),
    "decide": ("decision",),
    "resilient": ("resilience",),
    "confident": ("confidence",),
    "rules": ("policy", "procedure"),
    "checklist": ("procedure",),
    "looking": ("identify", "identification"),
    "watch": ("observe", "shadow"),
    "watching": ("observe", "shadow"),
    "spot": ("identify", "identification"),
}

# "I want to ...", "how do I ...": an intention, which is what a career direction is.
_INTENTION = re.compile(
    r"\b(i|we) (want|would like|d like|wish|hope|plan|am planning|m planning|intend) to\b|"
    r"\bhow (do|can|could|should) i\b|\bi(d| would) like to\b"
)
# "10 years", "last year", "for two years": time in the job, which is what a stage is.
_YEARS = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|a|this) "
    r"(years?|yrs?)\b|\b(last) (year|yr)\b"  # "last years" are the late career's, not one
)
_MONTHS = re.compile(r"\b(\d+) (months?|mths?)\b")  # "18 months": a year and a half
ORDINAL_YEARS = {
    w: n
    for n, w in enumerate(
        ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"),
        start=1,
    )
}
_NTH_YEAR = re.compile(rf"\b({'|'.join(ORDINAL_YEARS)}) year\b")  # "by my third year"
_AGE = re.compile(
    r"\b(?:i m|im|i am|aged?|at|turning|nearly|almost) ([1-9]\d)\b(?! ?(years?|yrs?|months?|%))"
)
YEAR_WORDS = {"a": 1, "last": 1, "this": 0, "ten": 10, "fifteen": 15, "twenty": 20} | NUMBERS

_WHAT_DO = re.compile(
    r"\bwhat (does|do|would) (an? |the )?\w+( \w+)? (actually |really )?(do|does)( all day)?$"
)

KIND_CUES: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"training", "course", "courses", "qualification", "qualifications", "options"}),
        "training",
    ),
    (frozenset({"interventions", "intervention", "support", "supported"}), "development"),
    (frozenset({"stage", "stages"}), "stage"),
    (frozenset({"direction", "directions"}), "direction"),
    (frozenset({"driver", "drivers", "motivates", "motivation", "motivations"}), "driver"),
    (frozenset({"role", "roles", "job", "become", "responsibilities", "duties"}), "role"),
    (
        frozenset(
            {"skills", "abilities", "qualities", "attributes", "ksa", "ksas"}
            | {"supposed", "expected", "capable", "behaviours", "behaviors"}
        ),
        "ksa",
    ),
)


@dataclass(slots=True)
class Token:
    word: str  # as corrected
    stem: str
    factor: float  # 1.0, or less when the word was a typo
    level: Level | None  # the level this word would name
    optional: bool  # counts only when a name uses it
    generic: bool
    cue: bool = False  # a verb that says how senior the work is ("I just help", "I lead")
    alts: tuple[str, ...] = ()  # the framework's words for the same thing (text only)

    def matches(self, stems: frozenset[str]) -> bool:
        """Does a text with these stems use this word (or one of its synonyms)?"""
        return self.stem in stems or any(a in stems for a in self.alts)


@dataclass(slots=True)
class ParsedQuery:
    text: str
    folded: str
    tokens: list[Token]
    compare: bool = False
    all_levels: bool = False
    glossary_intent: bool = False
    domain_intent: bool = False
    domain_number: int | None = None
    kinds: set[str] = field(default_factory=set)
    cue_level: Level | None = None
    describes: bool = False
    off_topic: bool = False
    intention: bool = False
    alternatives: bool = False  # "X or Y", "compare X and Y"
    pivot: int | None = None  # the first token after "or" / "vs": X's words before, Y's after
    years: int | None = None  # time in the job, when the query gives it
    age: int | None = None  # the asker's age ("im 63"), when the query gives it

    @property
    def stems(self) -> list[str]:
        return [t.stem for t in self.tokens]


# "admin vacancies", "our admin", "the admin and reception team": people, not a level.
ADMIN_NOUNS = wordset(
    "team teams staff work roles vacancies vacancy hours support side tasks jobs job apprentice "
    "apprentices assistant assistants office processes process duties posts post colleagues "
    "person people workload hub systems girls lot"
)
FRONT_DESK = wordset("reception receptionists receptionist clerical secretaries")


def _admin_staff(ws: list[str], i: int) -> bool:
    prev = ws[i - 1] if i > 0 else ""
    nxt = ws[i + 1] if i + 1 < len(ws) else ""
    after = ws[i + 2] if nxt == "and" and i + 2 < len(ws) else ""
    before = ws[i - 2] if prev == "and" and i >= 2 else ""
    doing = ws[0].endswith("ing") and prev == "for" and i == len(ws) - 1  # "... for admin"
    return (
        nxt in ADMIN_NOUNS
        or prev in ("our", "their")
        or bool(FRONT_DESK & {after, before})
        or (doing and len(ws) >= 5)
    )


def _level_of(ws: list[str], i: int, compare: bool) -> Level | None:
    word = ws[i]
    if word in LEVEL_WORDS:
        if word == "admin" and _admin_staff(ws, i):
            return None
        return LEVEL_WORDS[word]
    prev = ws[i - 1] if i > 0 else ""
    nxt = ws[i + 1] if i + 1 < len(ws) else ""
    if word in MANAGER_WORDS:
        if nxt in LEVEL_NOUNS and prev not in ROLE_PREFIXES:
            return M
        if word == "manager" and prev in ("a", "the", "as") and nxt not in LEVEL_NOUNS:
            return M
        if compare and prev in ("between", "and", "or", "vs", "versus", "v", "from", "with"):
            return M
        return None
    if word in LEAD_WORDS:
        if nxt in PEOPLE or nxt in ("to", "time", "times"):
            return None
        before = ws[i - 2] if i > 1 else ""
        if (
            word in ("lead", "leader")
            and prev
            and prev not in _LEADS_WHO
            and (nxt or before in _DETERMINERS)
        ):
            return None  # a person: "the clinical governance lead decides", "for the ipc lead"
        return S
    if word == "top" and nxt in LEVEL_NOUNS:
        return S
    return None


# Who leads, when "lead" is the verb ("i lead", "we lead", "to lead", "who lead").
_LEADS_WHO = wordset(
    "i we to will would also and or they who can could should must may strategic level senior"
)
_DETERMINERS = wordset("the our my a an their his her your")
_MAKE = wordset("make makes making made")
# Work told without a subject: "doing in depth analysis of our data to compare ...".
_DOING = re.compile(r"^(?!(moving|building|winding|maintaining)\b)\w+ing\b")  # not directions
_COMPARING_WORK = re.compile(
    r"\b(compare|compares|compared|comparing) (against|with|different|our|ourselves|us|how)\b|"
    r"\b(i|we|im|ive|i m|i ve) (have |also |then |just )?(compare|compared|comparing)\b"
)
_WHICH_SUITS = re.compile(
    r"\bwhich\b.*\b(better|best|for me|suits?|should i|right for|go for)\b|"
    r"\bwhich (one |of them )?(is|s) (more|less|bigger|harder|higher|senior|easier)\b|"
    r"\bwhich is which\b|"
    r"\b(better|best|right) for me\b"
)


def _differs(raw: list[str], i: int) -> bool:
    """Does "different" at `i` set two things apart ("different from", "how different",
    "whats different between") rather than mean "various" ("all the different ways")?"""
    after = raw[i + 1] if i + 1 < len(raw) else ""
    before = raw[i - 1] if i > 0 else ""
    return after in ("from", "to", "than", "between", "about", "in") or before in (
        "how",
        "so",
        "whats",
        "s",
        "is",
        "are",
        "really",
        "very",
    )


def parse(text: str, corrector: Corrector) -> ParsedQuery:
    text = _ITS_FRAMEWORK.sub("career framework", _ATTRIBUTION.sub(" ", text))
    text = _ALONE.sub("autonomously", text)
    raw = words(_BANK_HOLIDAY.sub("holiday", text))
    compare = any(
        w in COMPARE_WORDS
        and not (w == "difference" and raw[i - 2 : i - 1] and raw[i - 2] in _MAKE)
        and not (w == "different" and not _differs(raw, i))
        for i, w in enumerate(raw)
    )  # "to make a difference", "all the different ways" compare nothing
    said = " ".join(raw)
    if (
        compare
        and (_FIRST_PERSON.search(said) or _DOING.match(said))
        and _COMPARING_WORK.search(said)
    ):
        compare = False  # "i review how we compare against benchmarks": work, not a question
    ws: list[str] = []
    factors: list[float] = []
    for word in raw:
        if word in STOPWORDS or word in LEVEL_WORDS:
            ws.append(word)
            factors.append(1.0)
            continue
        fixed, distance = corrector.correct(word)
        if distance and any(f in _LEVEL_BEARING for f in fixed):
            fixed = (word,)  # "leaking" is not "leading": a guessed word never sets a level
        ws.extend(fixed)
        factors.extend([CORRECTION_FACTOR[distance]] * len(fixed))
    joined = " ".join(ws)
    levels_in_text = [lv for i in range(len(ws)) if (lv := _level_of(ws, i, compare)) is not None]
    if not compare and len(set(levels_in_text)) >= 2 and re.search(r"\b(or|and)\b", joined):
        compare = True
    if not compare and re.search(r"^(is|are|isn t|isnt) .+ (the )?same (thing )?as\b", joined):
        compare = True  # "is winding down the same as legacy"
    if not compare and re.search(r"\bor\b", joined) and _WHICH_SUITS.search(joined):
        compare = True  # "level 6 or level 7 apprenticeship, which is for me"
    tokens: list[Token] = []
    pivot: int | None = None
    for i, word in enumerate(ws):
        if word in PIVOTS and pivot is None and tokens:
            pivot = len(tokens)
        if word in STOPWORDS and not (word in SYNONYMS and i > 0 and ws[i - 1] in ("i", "we")):
            continue
        j = i - 1
        while j >= 0 and ws[j] in ADVERBS:
            j -= 1
        tokens.append(
            Token(
                alts=tuple(term(w) for w in SYNONYMS.get(word, ())),
                word=word,
                stem=term(word),
                factor=factors[i],
                level=_level_of(ws, i, compare),
                optional=is_optional(word),
                generic=word in GENERIC,
                cue=word in CUE_VERBS and j >= 0 and ws[j] in ("i", "we"),
            )
        )
    query = ParsedQuery(text=text, folded=joined, tokens=tokens, compare=compare, pivot=pivot)
    query.all_levels = bool(_ALL_LEVELS.search(joined))
    query.glossary_intent = bool(_GLOSSARY.search(joined) or _WHAT_IS.match(joined))
    words_set = set(ws)
    query.domain_intent = bool(words_set & DOMAIN_WORDS)
    if match := _DOMAIN_NUMBER.search(joined):
        number = match.group(1)
        query.domain_number = int(number) if number.isdigit() else NUMBERS[number]
    for cue_words, kind in KIND_CUES:
        if words_set & cue_words:
            query.kinds.add(kind)
    if _WHAT_DO.search(joined):
        query.kinds.add("role")
    if "core" in words_set and words_set & {"area", "areas", "skills", "expertise"}:
        query.kinds.add("core")
    query.describes = bool(_FIRST_PERSON.search(joined))
    typed = " ".join(raw)  # as typed: the corrector knows no product names ("systmone")
    query.off_topic = is_off_topic(joined, typed, query.describes)
    query.intention = bool(_INTENTION.search(joined))
    query.alternatives = compare or bool(re.search(r"\b(or|vs|versus)\b", joined))
    if match := _AGE.search(typed):
        query.age = int(match.group(1))
    told = " ".join(re.findall(r"\d+|[a-z]+", text.casefold()))  # "4 yrs", "15yrs": not "for"
    if match := _YEARS.search(told):
        number = match.group(1) or match.group(3)
        query.years = int(number) if number.isdigit() else YEAR_WORDS[number]
    elif match := _NTH_YEAR.search(told):  # "by my third year"
        query.years = ORDINAL_YEARS[match.group(1)]
    elif match := _MONTHS.search(told):
        query.years = int(match.group(1)) // 12
    for pattern, level in reversed(_CUES):  # the most senior cue wins
        if pattern.search(joined):
            query.cue_level = level
            break
    return query
