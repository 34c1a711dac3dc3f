"""Text normalisation shared by every index: tokens, stop words and a light stemmer.

Queries and framework text go through the same functions, so "H&S", "h and s" and
"health & safety" meet, and "complaints", "complaint" and "complaining" share a stem.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def wordlist(text: str) -> list[str]:
    """The whitespace-separated words of a literal (for readable word tables)."""
    return text.split()


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "'": "", "`": "", "\u00b4": ""})
_AND = re.compile(r"\s*[&+]\s*")
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Words that carry no topic. Particles that name career directions ("moving in",
# "building up") are not here: they are OPTIONAL (see below).
STOPWORDS = wordset("""
    a about above after again all also am an and any are as at be been being below both but by
    can cant could did didnt do does doesnt doing dont during each either else etc ever every
    for from further get gets getting got had has have having he her here hers him his how
    however i id if ill im into is isnt it its itself ive just let lets like me might more most
    much must my myself no nor not now of once only or ought our ours ourselves
    own per please quite rather really same shall she should so some such than thank thanks
    that thats the their theirs them themselves then there theres these they this those through
    thus to too under until upon us very via was wasnt we were what whats when where which while
    who whom whose why will with within without would wouldnt yes yet you your youre yours
    yourself hi hello hey ok okay pls plz cheers tell show give explain know say says said
    want wants wanted wanting need needs mean means meaning meant stand stands define
    definition describe description whats wat wot u ur r
    kind sort type bit lot thing things stuff something anything everything one ones
    expected expect involved involve responsibilities responsibility role roles job jobs
    lvl grade compare compared comparing comparison versus vs v difference
    different differ between between differences abbreviation abbreviations acronym acronyms
    abbrev
    """)

# Kept out of the score unless a framework name uses them ("Moving in", "Level 6 ...").
# Everyday words of the job: they count for little when nothing names them.
GENERIC = wordset(
    "practice practices manager managers pm staff team teams gp gps "
    "patient patients nhs primary care work working job new people person general help "
    "make makes making keep keeps do done go going get look looking sure year years month "
    "months week weeks couple main actually basically someone somebody anyone many lot lots "
    "post posts thing things stuff day days bit actual real proper properly"
)


PARTICLES = wordset("in up down across out on off over back")
OPTIONAL = PARTICLES | wordset(
    "first level levels domain domains range ranges "
    "competencies "
    "competences competency list stage stages direction directions intervention "
    "interventions driver drivers core area areas section framework table overview option "
    "options"
)


def is_optional(word: str) -> bool:
    return word in OPTIONAL or word.isdigit()


# Abbreviations and chat spellings of ordinary words, applied before anything else.
CHAT = {
    "n": "and",
    "nd": "and",
    "4": "for",
    "w": "with",
    "wiv": "with",
    "abt": "about",
    "re": "about",
    "dept": "department",
    "mgmt": "management",
    "mngmt": "management",
    "mgt": "management",
    "org": "organisational",
    "orgs": "organisations",
    "info": "information",
    "admin": "admin",
    "reqs": "requirements",
    "req": "requirement",
    "hlth": "health",
    "sfty": "safety",
    "govt": "government",
    "docs": "doctors",
    "ppl": "people",
    "sig": "significant",
    "appt": "appointment",
    "appts": "appointments",
    "mtg": "meeting",
    "mtgs": "meetings",
    "pt": "patient",
    "pts": "patients",
    "accs": "accounts",
    "reg": "register",
    "regs": "regulations",
    "lvl": "level",
    "lvls": "levels",
    "edu": "education",
    "ed": "education",
    "qual": "qualification",
    "quals": "qualifications",
    "apprentice": "apprenticeship",
    "promo": "promotion",
    "dev": "development",
    "pop": "population",
    "svc": "service",
    "svcs": "services",
    "assmt": "assessment",
    "assmts": "assessments",
    "hrs": "hours",
    "comms": "communications",
    "pship": "partnership",
    "2ndary": "secondary",
    "fw": "framework",
}


def fold(text: str) -> str:
    """Lower-case ASCII with `&`/`+` spelt "and" and everything else but letters and digits
    turned into single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii").lower().translate(_APOSTROPHES)
    text = _AND.sub(" and ", text)
    text = re.sub(r"\bstands? 4\b", "stand for", text)
    return _NON_WORD.sub(" ", text).strip()


# Role-level words keep their exact form: "managerial" is a level, "management" a topic.
LEVEL_TERMS = wordset(
    "administrative admin admins administrator administrators administratively adm clerical "
    "managerial managerially mgr mngr mgrs strategic strategically strat senior snr"
)
_IT = re.compile(r"\bIT\b")


def words(text: str) -> list[str]:
    """The folded words of `text`, chat spellings expanded ("IT" is information technology,
    "it" a pronoun)."""
    return [CHAT.get(w, w) for w in fold(_IT.sub("information technology", text)).split()]


def term(word: str) -> str:
    """The form a word is indexed under: its stem, or itself for a role-level word."""
    return word if word in LEVEL_TERMS else stem(word)


# (suffix, replacement, shortest stem left), longest suffix first. The "-ise" family folds to
# "-is" so that "prioritise", "prioritising" and "prioritisation" meet, as do "appraise" and
# "appraisal"; "-ies" becomes "-y" ("policies" -> "policy").
_RULES: tuple[tuple[str, str, int], ...] = tuple(
    sorted(
        [
            (suffix, "is", 3)
            for suffix in wordlist(
                "isations izations isation ization isational izational ising izing "
                "ised ized ises izes ise ize"
            )
        ]
        + [(suffix, "y", 3) for suffix in ("ies", "ied")]
        + [("ability", "abl", 2), ("ibility", "ibl", 2), ("abilities", "abl", 2)]
        + [("ibilities", "ibl", 2)]
        + [(suffix, "", 5) for suffix in ("ances", "ance", "ences", "ence")]
        + [
            (suffix, "", 3)
            for suffix in wordlist(
                "ational ations ation ements ement ments ment ities ity ating ings "
                "ing ates ated ate ives ive ions ion ials ial als al ers er ness ed es ly s"
            )
        ],
        key=lambda rule: -len(rule[0]),
    )
)
_KEEP_E = frozenset({"er", "ers", "ed", "es"})  # "career" is not "care" + "er"
_DOUBLE = frozenset("bdgmnprt")


_IRREGULAR = {"using": "use", "used": "use", "uses": "use", "wrote": "writ", "written": "writ"}


def _strip(word: str, plurals: bool = True) -> str:
    for suffix, replacement, shortest in _RULES:
        if not word.endswith(suffix) or (not plurals and suffix in ("s", "es")):
            continue
        base = word[: -len(suffix)]
        if len(base) < shortest or (suffix in _KEEP_E and base.endswith("e")):
            continue
        if (suffix == "s" and base.endswith(("s", "u", "si"))) or (
            suffix == "ness" and base.endswith("i")
        ):
            return word  # "process", "status", "analysis", "business"
        word = base + replacement
        if len(word) > 3 and word[-1] == word[-2] and word[-1] in _DOUBLE:
            word = word[:-1]
        return word
    return word


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """A deliberately crude suffix stripper (no dependency, about a microsecond).

    Up to two suffixes come off ("ordering" -> "order" -> "ord", "monitors" -> "monitor"),
    a doubled final consonant is undone ("planning" -> "plan") and a final "e" dropped
    ("manage", "management" -> "manag"). Words of three letters or fewer, numbers and words
    ending in -ical are left alone.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha() or word.endswith("ical"):
        return word
    current = _strip(word)
    if not current.endswith("ical"):
        current = _strip(
            current, plurals=False
        )  # "orders" -> "order" -> "ord", not "nurs" -> "nur"
    if current.endswith(("e", "i")) and len(current) > (3 if current[-1] == "e" else 5):
        current = current[:-1]  # "reconcile"/"reconciliation", "negotiate"/"negotiation"
    return current
