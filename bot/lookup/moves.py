"""A career move told as the asker's own situation: where they come from and where they
want to go ("ex army officer thinking about practice management", "im the deputy and want the
top job", "pcn finance lead but want to be an all rounder"). The seed defines the directions
by such moves (Table 2: "moving into primary care from outside or moving into management from
within", "from a specialist to a generalist role or vice versa"); the words for the places
people come from are careerbot's own reading of that text."""

from __future__ import annotations

import re

# Work outside general practice that people move in from (careerbot's list).
_OUTSIDE = (
    r"retail|shops?|supermarket|banks?|banking|army|military|forces|navy|raf|police|"
    r"hospitality|hotels?|councils?|local authority|private sector|corporate|industry|"
    r"insurance|schools?|hospitals?|wards?|acute trust|the trust|social care|care homes?|"
    r"pharma\w*|charity|charities|civil service|accountancy|finance sector|hr at the council"
)
_FROM_OUTSIDE = re.compile(
    rf"\b(ex|former|from|in|at|worked in|work in|working in|coming from|came from|"
    rf"background in|career in|years in|yrs in|managed an?|manager in an?|manager at an?|"
    rf"been an?|a)( \w+)?( \w+)? ({_OUTSIDE})\b"
    r"|\bnever (worked|been) in (the )?(nhs|general practice|primary care|a gp)"
    r"|\b(outside|new to) (the )?nhs\b"
)
# Where they want to be: practice or PCN management.
_INTO_PRIMARY_CARE = re.compile(
    r"\b(practice manag\w*|pm|pcn|gp (surgery|practice|land)|general practice|primary care|"
    r"running a (gp )?(surgery|practice)|surgery)\b"
)
# A role that is not management, moving into management.
_INTO_MANAGEMENT = re.compile(
    r"\b(receptionist|reception|admin|administrator|secretary|nurse|hca|care navigator|"
    r"clerk)\b.{0,60}\b(into|go into|get into|move into|step into|become|be)( a)? "
    r"(management|manager|practice manager|pm)\b"
)
# Wanting, or just having made, the move (not describing today's work).
_ASPIRE = re.compile(
    r"\b(thinking|think about|want|wants|wanting|fancy|considering|could i|can i|"
    r"how (do|would|can|could) i|get into|getting into|become|becoming|move into|moving into|"
    r"just started|new job|got a job|start(ing)? monday|career change|switch\w*|advice|"
    r"make (that|the) (jump|move))\b"
)
_MANAGES_ALREADY = re.compile(r"\b(manag\w*|lead|run|supervis\w*) (the |our )?(reception|admin)")
_DEPUTY_UP = re.compile(
    r"\b(deputy|assistant|asst)( \w+)?\b.{0,60}\b(top job|to (be )?(the )?(practice manager|"
    r"pm)|become (a |the )?(practice manager|pm)|be (a |the )?(practice manager|pm)|step up|"
    r"move up)\b"
)
_ACROSS = re.compile(
    r"\b(generalist|all ?rounder|all round|specialise|specialize|specialist role)\b"
)
# A question about something more particular than the move itself.
_PARTICULAR = re.compile(
    r"\b(training|course|qualification|apprenticeship|coach\w*|mentor\w*|shadow\w*|stage|"
    r"early career|established|late career|network|first5|workshop|template)\b"
)


def direction_of_move(folded: str) -> str | None:
    """The career direction (its id) of a move the query tells, or None."""
    if _PARTICULAR.search(folded):
        return None
    if _DEPUTY_UP.search(folded):
        return "moving-up"
    if _INTO_MANAGEMENT.search(folded) and not _MANAGES_ALREADY.search(folded):
        return "moving-in"
    if all(p.search(folded) for p in (_FROM_OUTSIDE, _INTO_PRIMARY_CARE, _ASPIRE)):
        return "moving-in"
    if _ACROSS.search(folded) and re.search(r"\b(want|wants|wanting|fancy|like)\b", folded):
        return "moving-across"
    return None
