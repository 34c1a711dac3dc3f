"""Follow-up questions: read in the light of the last answer, kept across a restart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.conversations import Conversations
from bot.storage.engine import create_repository
from tests.flowdriver import Driver

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("first", "then", "ident", "levels"),
    [
        ("complaints managerial", "and strategic?", "complaints", ("strategic",)),
        ("complaints managerial", "what about admin", "complaints", ("administrative",)),
        ("complaints managerial", "and all levels", "complaints", None),
        ("finance managerial", "what about complaints", "complaints", ("managerial",)),
        ("fire safety strategic", "compare with managerial", "fire-safety", None),
        ("training for early career", "and for established?", "training:established", ()),
        ("early career mentoring programme", "whats the late version", "training:late/mentor", ()),
        (
            "level 6 apprenticeship",
            "and the established one",
            "training:established/level-7-specialist-apprenticeships",
            (),
        ),
        ("first5 network", "and for late career?", "training:late", ()),
        (
            "tell me about the first5 network",
            "is there something similar later on",
            "training:established/primary-care-managers-network",
            (),
        ),
        ("what are the career stages", "how long does the early one last", "stage:early", ()),
        ("list the 9 domains", "whats in number 6", "domain:human-resources", ()),
        ("payroll admin", "and if i do it on my own?", "payroll-and-pensions", ("managerial",)),
        ("what does qof stand for", "which core area is that in", "core:contract-management", ()),
        (
            "ive been a pm for 8 years",
            "what qualification should i do then",
            "training:established/advanced-qualification",
            (),
        ),
        (
            "social services managerial",
            "same but for community nursing",
            "community-nursing",
            ("managerial",),
        ),
        (
            "what is significant event audit",
            "which domain is that in",
            "domain:risk-management",
            (),
        ),
        (
            "complaints managerial",
            "which domain is it in",
            "domain:patient-and-community-services",
            (),
        ),
        (
            "late career training options",
            "and the development table for it",
            "development:late",
            (),
        ),
        (
            "i draft the gp rotas",
            "what if i also assess how many locums we need",
            "gp-time-management",
            ("managerial",),
        ),
        (
            "payroll admin",
            "im doing it all without supervision now tho",
            "payroll-and-pensions",
            ("managerial",),
        ),
        (
            "what is the career development framework",
            "who helped write it",
            "overview:career-framework",
            (),
        ),
        ("complaints managerial", "who wrote it", "overview:competency-framework", ()),
        ("early career", "what training is there", "training:early", ()),
        ("established career", "and the skills?", "ksa:established", ()),
        ("what is moving across", "what training helps with that", "direction:moving-across", ()),
        ("what is moving up", "and for late career?", "development:late", ()),
        ("finance", "strategic", "domain:finance", ("strategic",)),
        ("what ranges are in finance", "drawings at strategic level", "drawings", ("strategic",)),
        ("complaints managerial", "in plain english?", "complaints", ("managerial",)),
        ("what is moving across", "example?", "direction:moving-across", ()),
        ("what is the established career stage", "how many years is that", "stage:established", ()),
        (
            "i coordinate the risk assessments",
            "what if i also advise other practices on it",
            "risk-assessment",
            ("strategic",),
        ),
        (
            "monitoring qof and des targets",
            "what about if i just do the admin side of it",
            "claims-targets-quality-payments",
            ("administrative",),
        ),
        ("winding down", "and legacy?", "direction:legacy", ()),
        ("finance", "which ranges are in it", "domain:finance", ()),
        (
            "what does qof stand for",
            "which range covers it",
            "claims-targets-quality-payments",
            None,
        ),
        (
            "im in my first year as a practice manager",
            "is there a network for that",
            "training:early/first5-network",
            (),
        ),
        (
            "resource negotiation finance",
            "and the population care one?",
            "resource-negotiation-population-care",
            None,
        ),
        (
            "i love that every day is different in this job",
            "which motivation is that",
            "driver:variety-of-roles-and-responsibilities",
            (),
        ),
        (
            "i line manage the deputy and everyone below her",
            "and what level is that",
            "staff-management",
            ("managerial",),
        ),
    ],
)
def test_a_follow_up_is_read_against_the_last_answer(lookup, first, then, ident, levels):
    previous = lookup.ask(first)
    answer = lookup.ask(then, context=previous.key)
    assert answer.ident == ident, (answer.kind, answer.ident)
    if levels is not None:
        assert answer.levels == levels
    else:
        assert len(answer.levels) >= 2


def test_compare_with_another_level_shows_both(lookup):
    previous = lookup.ask("fire safety strategic")
    answer = lookup.ask("compare with managerial", context=previous.key)
    assert answer.levels == ("managerial", "strategic")


def test_a_stage_named_after_a_stage_table_compares_that_table_of_both_stages(lookup):
    previous = lookup.ask("ksa late career")
    answer = lookup.ask("how is it different from early", context=previous.key)
    assert answer.kind == "compare"
    assert set(answer.compared) == {"ksa:early", "ksa:late"}


def test_a_question_that_stands_on_its_own_ignores_the_context(lookup):
    previous = lookup.ask("complaints managerial")
    assert lookup.ask("infection control", context=previous.key).ident == "infection-control"
    assert lookup.ask("what are the 9 domains", context=previous.key).ident == "overview:domains"
    assert lookup.ask("and strategic?", context="no such key").kind == "none"


async def test_follow_ups_survive_a_restart(sqlite_storage, kb, lookup):
    first = Driver(Conversations(sqlite_storage.repo, kb, lookup))
    await first.type("complaints managerial")
    complaints = next(r for r in kb.competency.ranges if r.id == "complaints")
    assert complaints.managerial in first.text
    repo, engine = create_repository(sqlite_storage.url)  # a new process on the same file
    try:
        second = Driver(Conversations(repo, kb, lookup), user=first.user)
        await second.type("and strategic?")
        assert complaints.strategic in second.text
        await second.type("what about fire safety")
        fire = next(r for r in kb.competency.ranges if r.id == "fire-safety")
        assert fire.strategic in second.text and fire.administrative not in second.text
    finally:
        await engine.dispose()


async def test_a_tapped_answer_becomes_the_context(sqlite_repo, kb, lookup):
    driver = Driver(Conversations(sqlite_repo, kb, lookup))
    await driver.type("resource negotiation")
    await driver.tap("Population Care")
    await driver.type("and strategic?")
    rng = next(r for r in kb.competency.ranges if r.id == "resource-negotiation-population-care")
    assert rng.strategic in driver.text


def test_ask_json_reads_context_lines():
    lines = [
        "complaints managerial",
        json.dumps({"query": "and strategic?", "context": "r:complaints:m"}),
        json.dumps({"query": "and for established?", "context": "training:early"}),
        json.dumps({"query": "and strategic?"}),
        '{"not": "a query"}',
    ]
    code = "import sys; from bot.lookup.cli import run_ask; sys.exit(run_ask(None, True))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        input="\n".join(lines).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, follow, stage, bare, odd = (json.loads(x) for x in result.stdout.splitlines())
    assert (first["id"], first["level"]) == ("complaints", "managerial")
    assert first["topic"] == "Complaints" and first["section"] == "competency range"
    assert first["key"] == "r:complaints:m"
    assert (follow["id"], follow["level"]) == ("complaints", "strategic")
    assert stage["id"] == "training:established"
    assert bare["kind"] == "none"  # no context: nothing to follow
    assert odd["query"] == '{"not": "a query"}'


@pytest.mark.parametrize(
    ("first", "then", "ident", "levels"),
    [
        ("complaints managerial", "and the level above?", "complaints", ("strategic",)),
        ("complaints managerial", "and below?", "complaints", ("administrative",)),
        ("training for early career", "and later on?", "training:established", ()),
        (
            "mentoring programme for early career",
            "is that available later on too",
            "training:established/mentoring-programme",
            (),
        ),
        ("PHCT meetings admin", "what does that stand for", "glossary:phct", ()),
        (
            "resource negotiation",
            "the one under population care",
            "resource-negotiation-population-care",
            None,
        ),
        ("project management", "the IT one", "project-management-im-and-t", None),
        ("locums strategic", "go down a level", "locums", ("managerial",)),
        ("fire safety admin", "and what would a strategic pm do", "fire-safety", ("strategic",)),
        (
            "what does SEA stand for",
            "what does the admin level look like",
            "significant-event-audit-reporting",
            ("administrative",),
        ),
        ("human resources", "the appraisal one", "performance-review", None),
        ("what are the career stages", "the middle one", "stage:established", ()),
        ("what are the 12 core areas", "the first one", "core:day-to-day-operations", ()),
        (
            "what are the core areas",
            "tell me more about estates",
            "core:estates-and-facilities-management",
            (),
        ),
        ("i want to wind down", "what training is there for that", "development:late", ()),
        ("complaints managerial", "show me all three levels", "complaints", None),
        (
            "mentoring programme early career",
            "is it in established too",
            "training:established/mentoring-programme",
            (),
        ),
        ("early career skills", "what about the ones further on", "ksa:established", ()),
        (
            "what are the 12 core areas",
            "tell me about the money one",
            "core:financial-management",
            (),
        ),
        (
            "training for someone new to practice management",
            "tell me more about the mentoring one",
            "training:early/mentoring-programme",
            (),
        ),
    ],
)
def test_relative_and_picking_follow_ups(lookup, first, then, ident, levels):
    previous = lookup.ask(first)
    answer = lookup.ask(then, context=previous.key)
    assert answer.ident == ident, (answer.kind, answer.ident)
    if levels:
        assert answer.levels == levels


def test_that_compared_with_another_item_shows_both(lookup):
    previous = lookup.ask("what does a pcn manager do")
    answer = lookup.ask("how is that different from a practice manager", context=previous.key)
    assert answer.kind == "compare"
    assert set(answer.compared) == {"role:primary-care-network-manager", "role:practice-manager"}
