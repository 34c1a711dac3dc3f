"""Focused behaviour of the lookup engine (bot.lookup) and its CLI."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import Level, load_knowledge
from bot.lookup import Answer, Candidate, LookupEngine
from bot.lookup.cli import json_line
from bot.lookup.format import MAX_ANSWER
from bot.lookup.items import MAX_KEY_BYTES, short_key
from bot.lookup.query import parse
from tests.seeds import CAREER_SEED, COMPETENCY_SEED, normalise, seed_text

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
JSON_FIELDS = (
    "query",
    "kind",
    "domain",
    "range",
    "level",
    "topic",
    "section",
    "answer",
    "suggestions",
    "score",
)


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="module")
def engine(kb) -> LookupEngine:
    return LookupEngine(kb)


def offered(engine: LookupEngine, answer: Answer) -> set[str]:
    return {engine.resolve(c.key).ident for c in answer.candidates}


# --------------------------------------------------------------------- the examples


@pytest.mark.parametrize(
    ("query", "range_id", "level"),
    [
        ("what does Strategic mean for infection control?", "infection-control", "strategic"),
        ("strategic IC", "infection-control", "strategic"),
        ("infction contrl managerial", "infection-control", "managerial"),
        ("H&S admin", "health-and-safety", "administrative"),
        ("who signs the cheques", "invoice-payment", "managerial"),
        ("infection control", "infection-control", None),
    ],
)
def test_ranges_and_levels_from_free_text(engine, query, range_id, level):
    answer = engine.ask(query)
    assert answer.kind == "competency"
    assert answer.range_id == range_id
    assert answer.level == level
    assert answer.query == query


def test_range_without_level_shows_all_three(engine, kb):
    answer = engine.ask("infection control")
    assert answer.levels == ("administrative", "managerial", "strategic")
    rng = next(r for r in kb.competency.ranges if r.id == "infection-control")
    for level in Level:
        assert rng.descriptor(level) in answer.answer


def test_comparison_shows_both_levels_and_only_those(engine, kb):
    answer = engine.ask("compare managerial and strategic for complaints")
    assert answer.kind == "competency" and answer.range == "Complaints"
    assert answer.level is None
    assert answer.levels == ("managerial", "strategic")
    rng = next(r for r in kb.competency.ranges if r.id == "complaints")
    assert rng.managerial in answer.answer and rng.strategic in answer.answer
    assert rng.administrative not in answer.answer


@pytest.mark.parametrize(
    ("query", "topic", "section_kind"),
    [
        ("whats moving across", "direction:moving-across", "career direction"),
        ("training for late career", "training:late", "training options"),
        ("early career", "stage:early", "career stage"),
        ("retire and return", "training:late/retire-and-return", "training option"),
        ("contract management", "core:contract-management", "core area"),
        ("what does a PCN manager do", "role:primary-care-network-manager", "role"),
        ("interventions for established career", "development:established", "development table"),
    ],
)
def test_career_topics(engine, query, topic, section_kind):
    answer = engine.ask(query)
    assert answer.kind == "career"
    assert answer.topic == topic
    assert answer.section_kind == section_kind
    assert answer.section


def test_career_direction_quotes_its_outcome_and_section_title(engine, kb):
    answer = engine.ask("whats moving across")
    direction = kb.career.direction("moving-across")
    assert answer.section == "Moving across"
    assert direction.outcome in answer.answer
    assert "Table 2" in answer.answer  # where it comes from


@pytest.mark.parametrize(
    ("query", "range_id", "level"),
    [
        (
            "I just collect the data for the health needs assessment",
            "health-needs-assessment",
            "administrative",
        ),
        (
            "I coordinate the infection control audits with the lead nurse",
            "infection-control",
            "managerial",
        ),
        ("I advise other practices on infection control policy", "infection-control", "strategic"),
        ("I set the strategy for the practice", "strategy-formulation", "strategic"),
        ("I help with the rotas", "rotas-and-work", "administrative"),
        (
            "organising adverts and interviews for admin vacancies",
            "recruitment-and-selection",
            "managerial",
        ),
        ("security managerial", "security", "managerial"),
    ],
)
def test_described_work_with_a_level_cue_picks_that_level(engine, query, range_id, level):
    answer = engine.ask(query)
    assert (answer.kind, answer.range_id, answer.level) == ("competency", range_id, level)


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("how do I become a PCN manager", "direction:moving-up"),
        ("I want to retire in a couple of years", "direction:winding-down"),
        ("I've been a practice manager for 10 years, which stage am I", "stage:established"),
        ("keeping my knowledge current after 15 yrs as a pm", "direction:maintain-and-refresh"),
        ("i do this job to make a difference for patients", "driver:making-a-difference"),
        ("im 15 yrs in, what training fits", "training:established"),
        ("courses and development for experienced managers", "training:established"),
        ("what skills should a late career pm have", "ksa:late"),
        ("a mentor in my first year", "training:early/mentoring-programme"),
    ],
)
def test_described_careers(engine, query, topic):
    answer = engine.ask(query)
    assert answer.kind == "career" and answer.topic == topic


@pytest.mark.parametrize(
    ("word", "level"),
    [
        ("admin", "administrative"),
        ("administrative", "administrative"),
        ("administrator", "administrative"),
        ("admin level", "administrative"),
        ("managerial", "managerial"),
        ("manager level", "managerial"),
        ("managerial level", "managerial"),
        ("mgr", "managerial"),
        ("strategic", "strategic"),
        ("strategic level", "strategic"),
        ("senior", "strategic"),
        ("lead", "strategic"),
        ("strat", "strategic"),
    ],
)
def test_forms_of_the_levels(engine, word, level):
    assert engine.ask(f"complaints {word}").level == level
    assert engine.ask(f"{word} for fire safety").level == level


def test_level_word_inside_a_range_name_is_not_a_level(engine):
    answer = engine.ask("strategic delivery planning")
    assert answer.range_id == "strategic-delivery-planning" and answer.level is None
    answer = engine.ask("strategic delivery planning admin")
    assert answer.level == "administrative"


def test_domain_lists_range_names_not_descriptors(engine, kb):
    answer = engine.ask("finance")
    assert answer.kind == "competency" and answer.domain == "Finance" and answer.range is None
    domain = kb.competency.domain("finance")
    for rng in domain.ranges:
        assert rng.name in answer.answer
        assert rng.managerial not in answer.answer
    assert len(answer.answer) < MAX_ANSWER
    assert engine.ask("domain 5").domain_id == "finance"


# ------------------------------------------------------------------ glossary


def test_glossary_answer_says_when_a_term_is_historical(engine):
    answer = engine.ask("what does PCO stand for")
    assert answer.kind == "glossary" and answer.topic == "glossary:pco"
    assert answer.section == "PCO" and answer.section_kind == "glossary"
    assert "primary care organisation" in answer.answer
    assert "historical" in answer.answer.lower()
    current = engine.ask("what does ARRS stand for")
    assert current.kind == "glossary" and "historical" not in current.answer.lower()


def test_descriptor_naming_a_historical_body_gets_a_note(engine):
    answer = engine.ask("resource negotiation finance managerial")
    assert "PCO" in answer.answer and "historical" in answer.answer


# ------------------------------------------------------------------ clarify and none


def test_close_answers_ask_which_with_distinguishing_titles(engine):
    answer = engine.ask("resource negotiation")
    assert answer.kind == "clarify"
    assert answer.range is None and answer.level is None
    titles = [c.title for c in answer.candidates]
    assert "Resource negotiation (Finance)" in titles
    assert "Resource negotiation (Population Care)" in titles
    assert list(answer.suggestions) == titles
    assert offered(engine, answer) >= {
        "resource-negotiation-finance",
        "resource-negotiation-population-care",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("audit", {"clinical-audit", "organisational-audit"}),
        ("project management", {"project-management-premises", "project-management-im-and-t"}),
        (
            "I just collect the data for audits, what level is that",
            {"clinical-audit", "organisational-audit"},
        ),
        (
            "mentoring programme",
            {"training:early/mentoring-programme", "training:established/mentoring-programme"},
        ),
        ("security", {"security", "data-security"}),
        ("rota", {"rotas-and-work", "gp-time-management"}),
        ("rotas competency range", {"rotas-and-work", "gp-time-management"}),
        ("safety policy", {"health-and-safety", "fire-safety"}),
        (
            "mentoring",
            {
                "training:early/mentoring-programme",
                "training:established/mentoring-programme",
                "training:late/mentor",
            },
        ),
    ],
)
def test_ambiguous_queries_are_never_answered_confidently(engine, query, expected):
    answer = engine.ask(query)
    assert answer.kind == "clarify"
    assert offered(engine, answer) >= expected
    titles = [c.title for c in answer.candidates]
    assert len(titles) == len(set(titles)), "candidate titles must tell the items apart"


def test_clarify_keeps_the_level_in_its_candidates(engine):
    answer = engine.ask("resource negotiation strategic")
    assert answer.kind == "clarify"
    for candidate in answer.candidates:
        resolved = engine.resolve(candidate.key)
        assert resolved.level == "strategic"
        assert "Strategic" in candidate.title


OFF_TOPIC = [
    "what's the weather",
    "book me an appointment",
    "tell me a joke",
    "who won the football last night",
    "asdfghjkl",
    "",
    "   ",
    "?!?!",
    "🙂🙂",
    "strategic",
    "managerial admin",
    "the quick brown fox jumps over the lazy dog",
    "repeat prescription please",
    "can I see a doctor today",
    "order me a pizza",
    "docman keeps crashing when i file letters",
    "systmone wont let me log in",
    "heating's broken in the surgery its freezing",
    "good morning!",
    "statutory maternity pay rate this year?",
    "recommend a good accountant in bristol",
    "nhs pension lump sum calculator",
    "going rate for a locum gp session in the north west",
    "whats the phone number for the icb primary care team",
    "how do i bulk message patients through accurx",
    "can our pharmacist change a patients statin dose",
    "draft an email to the partners about the new rota",
    "any good accountants near leeds that know gp practices",
    "can i sack a receptionist for being late twice",
    "whats the cqc annual fee for our practice",
    "do i get bank hols on top of my annual leave",
    "who do i ring when our cloud phones are down",
    "when does the qof year end this time",
    "what bp target should we aim for in diabetics",
]


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_gets_not_found_with_suggestions(engine, query):
    answer = engine.ask(query)
    assert answer.kind == "none"
    assert answer.answer.startswith("I could not find that")
    assert 1 <= len(answer.suggestions) <= 5
    assert [c.title for c in answer.candidates] == list(answer.suggestions)
    assert answer.range is None and answer.domain is None and answer.topic is None


@pytest.mark.parametrize(
    ("query", "ident"),
    [
        ("ecg machine broken again, reporting it and checking the servicing schedule", "equipment"),
        ("when the clinical system goes down i lead sorting it out", "crisis-management"),
        ("how do i get promoted", "direction:moving-up"),
        ("i update the practice phone number on the website", "information"),
        ("in charge of the rota", "rotas-and-work"),
        ("organising asthma reviews and flu clinics", "clinics-health-promotion"),
        ("overtime claims for reception staff", "payroll-and-pensions"),
        ("when does early career end", "stage:early"),
        (
            "drafting our child and vulnerable adult procedures with the lead gp",
            "patient-protection",
        ),
        ("pulling data together for the budget and the annual forecast", "cash-flow-budgets"),
        ("advising practices on which payroll software or bureau to use", "payroll-and-pensions"),
        ("keeping a spreadsheet of what we've claimed and what's been paid", None),
        ("reconciling our list size against the links data each quarter", None),
        ("what are the main responsibilities of a practice manager", "role:practice-manager"),
    ],
)
def test_work_and_career_questions_near_the_off_topic_rules_are_answered(engine, query, ident):
    """`ident` None: any answer but "not in the frameworks"."""
    answer = engine.ask(query)
    assert answer.kind != "none"
    assert ident is None or answer.ident == ident


def test_random_garbage_never_answers_competency(engine):
    rng = random.Random(20240214)
    alphabet = "bcdfghjklmnpqrstvwxz0123456789!?#@~%^*()[]{}<>|\\/€£ŧ→ø🙂\t\x00\u2028"
    for _ in range(300):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        answer = engine.ask(query)
        assert answer.kind in ("none", "clarify"), (query, answer.kind, answer.ident)


# ------------------------------------------------------------------ keys and resolve


def test_every_key_fits_telegram_callback_data_and_resolves(engine):
    assert engine.keys, "no keys"
    for key, (index, _levels) in engine.keys.items():
        assert len(key.encode("utf-8")) <= MAX_KEY_BYTES, key
        answer = engine.resolve(key)
        assert answer.kind in ("competency", "career", "glossary", "overview"), key
        assert answer.key == key
        assert answer.ident == engine.items[index].ident


def test_resolve_round_trips_answers_candidates_and_related(engine):
    for query in (
        "strategic IC",
        "infection control",
        "compare managerial and strategic for complaints",
        "finance",
        "whats moving across",
        "what does PCO stand for",
        "resource negotiation",
        "what's the weather",
    ):
        answer = engine.ask(query)
        if answer.key:
            again = engine.resolve(answer.key)
            assert (again.ident, again.levels, again.answer) == (
                answer.ident,
                answer.levels,
                answer.answer,
            )
        for candidate in (*answer.candidates, *answer.related):
            assert isinstance(candidate, Candidate)
            assert len(candidate.key.encode("utf-8")) <= MAX_KEY_BYTES
            assert engine.resolve(candidate.key).kind != "none", candidate


def test_related_offers_the_other_levels(engine):
    answer = engine.ask("strategic IC")
    related = {engine.resolve(c.key).levels for c in answer.related}
    assert ("administrative",) in related and ("managerial",) in related


def test_unknown_key_resolves_to_none(engine):
    assert engine.resolve("r:no-such-range").kind == "none"
    assert engine.resolve("").kind == "none"


def test_short_key_is_stable_and_bounded():
    long = "c:t:early:understanding-primary-care-and-the-wider-system-training"
    assert short_key(long) == short_key(long)
    assert len(short_key(long).encode()) <= MAX_KEY_BYTES
    assert short_key("r:complaints") == "r:complaints"
    assert short_key("g:" + "é" * 40) != short_key("g:" + "é" * 41)


# ------------------------------------------------------------------ answers


def test_competency_answers_quote_the_seed_verbatim(engine, kb):
    seed = normalise(seed_text(COMPETENCY_SEED))
    for rng in kb.competency.ranges:
        for level in Level:
            answer = engine.resolve(short_key(f"r:{rng.id}:{level.value[0]}"))
            quote = rng.descriptor(level)
            assert quote in answer.answer
            assert normalise(quote) in seed, (rng.id, level)
            assert rng.name in answer.answer and level.label in answer.answer
            domain = kb.competency.domain_of(rng.id)
            assert answer.domain == domain.name and answer.range == rng.name
            assert "Source:" in answer.answer and domain.name in answer.answer


def test_career_answers_quote_the_seed_verbatim(engine, kb):
    seed = normalise(seed_text(CAREER_SEED))
    for direction in kb.career.directions:
        answer = engine.resolve(engine.candidate(f"direction:{direction.id}").key)
        assert direction.outcome in answer.answer
        assert normalise(direction.outcome) in seed
    for area in kb.career.core_areas:
        answer = engine.resolve(engine.candidate(f"core:{area.id}").key)
        assert area.example_activities in answer.answer
        assert normalise(area.example_activities) in seed
    for stage in kb.career.stages:
        for option in stage.training_options:
            answer = engine.resolve(engine.candidate(f"training:{stage.id}/{option.id}").key)
            assert option.information in answer.answer
            assert answer.section == option.title
            assert normalise(option.information) in seed


def test_every_answer_fits_in_a_telegram_message(engine):
    for key in engine.keys:
        assert len(engine.resolve(key).answer) < MAX_ANSWER, key
    long_query = "infection control " * 500
    assert len(engine.ask(long_query).answer) < MAX_ANSWER


def test_to_json_has_the_documented_fields(engine):
    data = engine.ask("strategic IC").to_json()
    for field in JSON_FIELDS:
        assert field in data
    assert data["kind"] == "competency"
    assert data["domain"] == "Risk Management" and data["range"] == "Infection control"
    assert data["level"] == "strategic"
    assert data["topic"] == "Infection control" and data["section"] == "competency range"
    assert data["id"] == "infection-control"
    assert data["suggestions"] is None  # unused fields are null
    assert 0 <= data["score"] <= 1
    none = engine.ask("what's the weather").to_json()
    assert none["kind"] == "none" and none["range"] is None and none["suggestions"]
    json.loads(json_line(engine.ask("with\u2028odd\x85breaks")))


def test_answer_is_frozen_and_cached_queries_keep_their_own_text(engine):
    first = engine.ask("strategic IC")
    with pytest.raises(AttributeError):
        first.kind = "none"  # type: ignore[misc]
    again = engine.ask("strategic  IC")
    assert again.query == "strategic  IC" and again.answer == first.answer


# ------------------------------------------------------------------ CLI


def _run_cli(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    code = (
        "import sys; from bot.lookup.cli import run_ask; "
        "args = [a for a in sys.argv[1:] if a != '--json']; "
        "sys.exit(run_ask(args[0] if args else None, '--json' in sys.argv))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_cli_json_lines_keeps_one_line_per_input_line():
    lines = [
        b"strategic IC",
        b"",
        b"whats moving across",
        b"\xff\xfe broken utf-8",
        "sep\u2028inside".encode(),
        b"tab\tand\x0bvertical\x0cfeed",
        b"crlf line\r",
        b"   ",
        b"last line without newline",
    ]
    result = _run_cli(["--json"], stdin=b"\n".join(lines))
    assert result.returncode == 0, result.stderr
    out = result.stdout.split(b"\n")
    assert out[-1] == b""
    objects = [json.loads(line) for line in out[:-1]]
    assert len(objects) == len(lines)
    assert objects[0]["kind"] == "competency" and objects[0]["range"] == "Infection control"
    assert objects[1]["query"] == "" and objects[1]["kind"] == "none"
    assert objects[2]["id"] == "direction:moving-across"
    assert objects[2]["topic"] == "Moving across" and objects[2]["section"] == "career direction"
    assert objects[3]["query"].endswith("broken utf-8")
    assert objects[6]["query"] == "crlf line"
    assert objects[8]["query"] == "last line without newline"
    for data in objects:
        for field in JSON_FIELDS:
            assert field in data


def test_cli_single_query_text_and_json():
    text = _run_cli(["strategic IC"])
    assert text.returncode == 0
    assert "Infection control" in text.stdout.decode() and "Strategic" in text.stdout.decode()
    as_json = _run_cli(["strategic IC", "--json"])
    assert json.loads(as_json.stdout)["level"] == "strategic"


@pytest.mark.parametrize(
    ("query", "domain", "level"),
    [
        ("finance managerial", "Finance", "managerial"),
        ("HR admin", "Human Resources", "administrative"),
        ("strategic risk management", "Risk Management", "strategic"),
    ],
)
def test_a_domain_with_a_level_shows_that_level_for_every_range(engine, kb, query, domain, level):
    answer = engine.ask(query)
    assert (answer.kind, answer.domain, answer.range, answer.level) == (
        "competency",
        domain,
        None,
        level,
    )
    found = next(d for d in kb.competency.domains if d.name == domain)
    for rng in found.ranges:
        assert f"• {rng.name}: “{getattr(rng, level)}”" in answer.answer
    assert len(answer.answer) <= 3500
    again = engine.resolve(answer.key)
    assert again.answer == answer.answer and len(answer.key.encode()) <= 40
    assert {c.title for c in answer.related} >= {
        f"{domain} – {lv}"
        for lv in ("Administrative", "Managerial", "Strategic")
        if lv.lower() != level
    }


@pytest.mark.parametrize(
    ("query", "related"),
    [
        ("renew the practice insurance for me", "Insurance (Finance)"),
        ("send the rota to the team", "Rotas and work (Human Resources)"),
        ("pay this invoice from the landlord", "Invoice payment (Finance)"),
    ],
)
def test_a_task_for_an_assistant_is_not_answered_but_points_to_related_items(
    engine, query, related
):
    answer = engine.ask(query)
    assert answer.kind == "none"
    assert related in answer.suggestions


def test_nothing_related_suggests_where_to_start_not_random_items(engine):
    weather, joke = engine.ask("what's the weather"), engine.ask("tell me a joke")
    assert weather.suggestions == joke.suggestions
    assert "The 9 domains" in weather.suggestions
    assert "Infection control (Risk Management)" not in weather.suggestions


def test_which_of_two_suits_me_compares_them(engine):
    answer = engine.ask("coaching or mentoring for established pms, which is better")
    assert answer.kind == "compare"
    assert set(answer.compared) == {
        "training:established/coaching-programme",
        "training:established/mentoring-programme",
    }


@pytest.mark.parametrize(
    ("query", "direction"),
    [
        ("ex army officer thinking about practice management, any advice", "moving-in"),
        ("worked in a bank 10yrs, never been in the nhs, could i be a pcn manager", "moving-in"),
        ("im a receptionist and want to get into management", "moving-in"),
        ("how do i go from deputy to pm", "moving-up"),
        ("im the pcn finance lead but want to be an all rounder pm", "moving-across"),
    ],
)
def test_a_move_told_as_the_askers_situation_is_its_career_direction(engine, query, direction):
    answer = engine.ask(query)
    assert answer.topic == f"direction:{direction}"


@pytest.mark.parametrize(
    "query",
    [
        "i liaise with the consultants at the hospital for the pcn",
        "i reconcile the practice bank account every month for the pm",
        "i manage the reception team and want to become a pm",
    ],
)
def test_work_that_mentions_other_places_is_not_read_as_a_move_in(engine, query):
    assert engine.ask(query).topic != "direction:moving-in"


@pytest.mark.parametrize(
    ("query", "range_id", "level"),
    [
        # 'leads crisis resolution' is the Managerial text of Crisis management
        (
            "when the clinical system goes down i lead sorting it out",
            "crisis-management",
            "managerial",
        ),
        # the managerial text's "lead clinician" is a person, not leading
        ("i lead on infection control", "infection-control", "strategic"),
        # "the ... lead" who decides is a person, not the asker's level
        (
            "our clinical governance lead decides which audits we do and i coordinate them",
            "clinical-audit",
            "managerial",
        ),
        ("complaints lead", "complaints", "strategic"),
        (
            "clinical system went down and im leading getting us back up",
            "crisis-management",
            "managerial",
        ),
        ("i just collect bits of info for the ipc lead", "infection-control", "administrative"),
    ],
)
def test_lead_as_the_askers_verb_a_person_or_a_level(engine, query, range_id, level):
    answer = engine.ask(query)
    assert (answer.range_id, answer.level) == (range_id, level)


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("what does a practice manager actually do according to nhse", "role:practice-manager"),
        ("what does nhs stand for", "glossary:nhs"),
    ],
)
def test_who_says_it_is_not_what_is_asked(engine, query, topic):
    assert engine.ask(query).topic == topic


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("lvl 6 apprenticeship", "training:early/level-6-business-administration-apprenticeship"),
        ("edu supervisor late career", "training:late/education-supervisor"),
        ("health promo clinics", "clinics-health-promotion"),
        (
            "is there a qualification for new practice managers",
            "training:early/foundation-qualification",
        ),
        ("what qualifications are there for new practice managers", "training:early"),
        (
            "help design courses for pms in my last few years",
            "training:late/education-and-training-design-and-delivery",
        ),
    ],
)
def test_shorthand_and_one_option_of_a_stage(engine, query, topic):
    assert engine.ask(query).ident == topic


def test_two_options_offered_with_or_are_compared(engine):
    answer = engine.ask("mentoring or coaching programme for an established pm")
    assert answer.kind == "compare"
    assert set(answer.compared) == {
        "training:established/coaching-programme",
        "training:established/mentoring-programme",
    }


def test_two_ranges_offered_with_or_are_asked_about(engine):
    answer = engine.ask("clinical or organisational audit")
    assert answer.kind == "clarify"
    assert offered(engine, answer) >= {"clinical-audit", "organisational-audit"}


@pytest.mark.parametrize(
    ("query", "ident", "level"),
    [
        (
            "i manage every clinical and non clinical employee on my own",
            "staff-management",
            "strategic",
        ),
        (
            "i like working on my own but also with the team",
            "driver:autonomy-and-collaboration",
            None,
        ),
    ],
)
def test_on_my_own_is_the_frameworks_autonomous(engine, query, ident, level):
    answer = engine.ask(query)
    assert (answer.ident, answer.level) == (ident, level)


@pytest.mark.parametrize(
    ("query", "ident"),
    [
        ("near the end of my career and i want to leave something behind", "direction:legacy"),
        (
            "2 yrs in as pm, not looking to move, just want to be better at it",
            "direction:building-up",
        ),
        (
            "nearing the end of my working life in practice management, what stage is that",
            "stage:late",
        ),
        ("late career", "stage:late"),
        ("how resilient and self aware should someone in their last years be", "ksa:late"),
        ("how resilient am i meant to be at established level", "ksa:established"),
        ("by my third year as a pm what should i be capable of", "ksa:early"),
        (
            "once established am i expected to be leading people and influencing and negotiating",
            "ksa:established",
        ),
        ("ive been in primary care management 18 months, which career stage am i", "stage:early"),
        ("i started last year, what skills should i have", "ksa:early"),
    ],
)
def test_a_stage_the_asker_is_in_is_context_when_the_query_says_more(engine, query, ident):
    assert engine.ask(query).ident == ident


def test_comparing_as_the_askers_own_work_is_not_a_comparison(engine):
    answer = engine.ask(
        "i compared options for a new surgery building and started talks with the icb"
    )
    assert (answer.kind, answer.range_id) == ("competency", "facilities-provision")


def test_a_comparison_sets_side_by_side_the_items_either_side_of_vs(engine):
    answer = engine.ask("any training for someone brand new that explains pcn vs practice")
    assert answer.kind != "compare"
    both = engine.ask("resource negotiation finance vs population care")
    assert set(both.compared) == {
        "resource-negotiation-finance",
        "resource-negotiation-population-care",
    }


def test_different_and_or_that_compare_nothing(engine):
    assert engine.ask("payroll basics and all the different ways of getting income").kind != (
        "compare"
    )
    assert engine.ask("is there any retirement guidance or planning template for pms").kind != (
        "compare"
    )
    assert engine.ask("how is late career different from established").kind == "compare"


@pytest.mark.parametrize(
    ("query", "years"),
    [("been a pm 4 years", 4), ("pm for 15yrs", 15), ("ive only been in post 4 months", 0)],
)
def test_time_in_the_job_as_typed(engine, query, years):
    """Chat's "4" for "for" does not eat a number of years."""
    assert parse(query, engine.corrector).years == years


def test_comparing_in_work_told_without_a_subject_is_work(engine):
    answer = engine.ask("doing in depth analysis of our data to compare different ways of working")
    assert answer.kind == "competency"
    assert engine.ask("moving in compared with building up").kind == "compare"


@pytest.mark.parametrize(
    ("query", "range_id", "level"),
    [
        ("clin audit mgr", "clinical-audit", "managerial"),
        ("recep mgr", "reception", "managerial"),
        ("risk assmt strat", "risk-assessment", "strategic"),
        ("svc budgets mgr", "service-budgets", "managerial"),
        ("pship changes strat", "partnership-changes", "strategic"),
        ("pastrol care admin", "pastoral-care", "administrative"),
    ],
)
def test_shorthand_of_a_names_words(engine, query, range_id, level):
    answer = engine.ask(query)
    assert (answer.range_id, answer.level) == (range_id, level)


def test_short_everyday_words_are_not_shorthand(engine):
    assert engine.ask("how do I make a cup of tea").kind == "none"


def test_words_beside_a_shared_name_choose_between_the_two_ranges(engine):
    assert engine.ask("estates project management").range_id == "project-management-premises"
    assert engine.ask("project management").kind == "clarify"


def test_a_ranges_full_name_is_the_range_and_its_abbreviation_the_glossary(engine):
    assert engine.ask("significant event audit").range_id == "significant-event-audit-reporting"
    assert engine.ask("what does sea stand for").topic == "glossary:sea"


@pytest.mark.parametrize(
    ("query", "stage"),
    [
        ("which stage are most practice managers in", "stage:established"),
        ("nearly 60 and eyeing the exit, which stage is that", "stage:late"),
    ],
)
def test_which_stage_is_answered_with_a_stage(engine, query, stage):
    assert engine.ask(query).topic == stage


@pytest.mark.parametrize(
    ("query", "driver"),
    [
        (
            "what motivates me is bringing on the next lot of practice managers",
            "driver:developing-future-generations",
        ),
        ("my main motivation is getting on and getting promoted", "driver:career-progression"),
    ],
)
def test_what_motivates_the_asker_is_a_career_driver(engine, query, driver):
    assert engine.ask(query).topic == driver
