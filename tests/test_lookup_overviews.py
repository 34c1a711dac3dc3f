"""Overviews, lists and comparisons: questions about the frameworks as a whole."""

from __future__ import annotations

import pytest

from bot.knowledge.competency import Level
from bot.lookup.format import MAX_ANSWER


@pytest.mark.parametrize(
    ("query", "ident"),
    [
        ("what are the 9 domains", "overview:domains"),
        ("what kinds of manager jobs exist in gp land", "overview:roles"),
        ("what career stages does the framework use", "overview:stages"),
        ("which ways can a pm career go", "overview:directions"),
        ("which technical areas does a pm need to be expert in", "overview:core-areas"),
        ("how many domains are there", "overview:domains"),
        ("list the domains", "overview:domains"),
        ("how many ranges are there", "overview:ranges"),
        ("what are the three levels", "overview:levels"),
        ("whats the difference between the levels", "overview:levels"),
        ("what are the career stages", "overview:stages"),
        ("list the 7 career directions", "overview:directions"),
        ("what are the 12 core areas", "overview:core-areas"),
        ("what roles are there for practice managers", "overview:roles"),
        ("what are the career drivers", "overview:drivers"),
        ("who wrote the career framework", "overview:career-framework"),
        ("who is the nhs england framework for", "overview:career-framework"),
        ("what is the competency framework", "overview:competency-framework"),
        ("how many ranges are there altogether", "overview:ranges"),
        ("admin, managerial, strategic - whats the difference generally", "overview:levels"),
        ("list the stages from early to late", "overview:stages"),
        ("give me a summary of the competency framework", "overview:competency-framework"),
        ("is strategic higher than managerial?", "overview:levels"),
        ("what areas does the competency framework cover", "overview:domains"),
        ("what are the main areas of practice management", "overview:domains"),
        ("early established and late career explained", "overview:stages"),
        ("when was the career framework written", "overview:career-framework"),
    ],
)
def test_overview_questions_get_the_overview(lookup, query, ident):
    answer = lookup.ask(query)
    assert (answer.kind, answer.ident) == ("overview", ident)
    assert 0 < len(answer.answer) <= MAX_ANSWER
    assert "Source:" in answer.answer


def test_the_domains_overview_names_all_nine_with_their_counts(lookup, kb):
    text = lookup.ask("what are the 9 domains").answer
    for domain in kb.competency.domains:
        assert f"{domain.number}. {domain.name} ({len(domain.ranges)} ranges)" in text
    assert "84 ranges" in text


def test_the_ranges_overview_lists_every_range(lookup, kb):
    text = lookup.ask("how many ranges are there").answer
    assert "84 ranges" in text
    assert all(r.name in text for r in kb.competency.ranges)


def test_the_levels_overview_quotes_one_range_at_each_level_and_marks_its_summary(lookup, kb):
    text = lookup.ask("what are the three levels").answer
    ic = next(r for r in kb.competency.ranges if r.id == "infection-control")
    assert all(ic.descriptor(level) in text for level in Level)
    assert "careerbot's summary" in text


def test_stage_directions_core_areas_and_roles_overviews_list_the_seed_items(lookup, kb):
    career = kb.career
    assert all(s.title in lookup.ask("what are the career stages").answer for s in career.stages)
    directions = lookup.ask("what are the directions").answer
    assert all(d.outcome in directions for d in career.directions)
    core = lookup.ask("list the core areas").answer
    assert all(a.title in core for a in career.core_areas)
    roles = lookup.ask("what roles are there").answer
    assert all(r.title in roles for r in career.roles)


def test_who_developed_the_framework_lists_the_acknowledged_stakeholders(lookup, kb):
    text = lookup.ask("who developed the 2024 framework").answer
    assert all(s in text for s in kb.career.acknowledgements.stakeholders)


def test_an_unnamed_framework_is_asked_back(lookup):
    answer = lookup.ask("what is the framework")
    assert answer.kind == "clarify"
    assert {lookup.resolve(c.key).ident for c in answer.candidates} == {
        "overview:competency-framework",
        "overview:career-framework",
    }


def test_ranges_of_a_domain_and_a_stage_s_skills_are_not_overviews(lookup, kb):
    finance = lookup.ask("what are the ranges in finance")
    assert finance.ident == "domain:finance"
    assert all(r.name in finance.answer for r in kb.competency.domain("finance").ranges)
    skills = lookup.ask("early career skills")
    assert skills.ident == "ksa:early"
    early = kb.career.stages[0]
    assert all(block.text in skills.answer for _, block in early.ksa.blocks())
    assert lookup.ask("training options for established career").ident == "training:established"


@pytest.mark.parametrize(
    ("query", "pair"),
    [
        ("early vs established career", ("stage:early", "stage:established")),
        ("difference between early and late career", ("stage:early", "stage:late")),
        (
            "practice manager vs pcn manager",
            ("role:practice-manager", "role:primary-care-network-manager"),
        ),
        ("compare moving up and moving across", ("direction:moving-up", "direction:moving-across")),
        (
            "compare clinical audit and organisational audit",
            ("clinical-audit", "organisational-audit"),
        ),
        ("ksa early compared with late", ("ksa:early", "ksa:late")),
        ("training options early vs established", ("training:early", "training:established")),
    ],
)
def test_two_items_are_shown_side_by_side(lookup, query, pair):
    answer = lookup.ask(query)
    assert answer.kind == "compare"
    assert answer.compared == pair
    for ident in pair:
        assert lookup.candidate(ident).key in {c.key for c in answer.related}


def test_a_comparison_quotes_both_sides(lookup, kb):
    text = lookup.ask("compare moving up and moving across").answer
    assert kb.career.direction("moving-up").outcome in text
    assert kb.career.direction("moving-across").outcome in text
    stages = lookup.ask("early vs established career").answer
    early, established = kb.career.stages[0], kb.career.stages[1]
    assert early.definition in stages and established.definition in stages


def test_two_stages_compared_for_training_list_both_tables(lookup, kb):
    text = lookup.ask("training options early vs established").answer
    for stage in kb.career.stages[:2]:
        assert all(option.title in text for option in stage.training_options)


@pytest.mark.parametrize(
    ("query", "range_id"),
    [
        ("complaints managerial vs strategic", "complaints"),
        # "maintenance" is part of the name, not Facilities management and maintenance
        ("hardware maintenance managerial vs strategic", "hardware-maintenance"),
    ],
)
def test_two_levels_of_one_range_stay_a_range_answer(lookup, query, range_id):
    answer = lookup.ask(query)
    assert answer.kind == "competency" and answer.levels == ("managerial", "strategic")
    assert answer.range_id == range_id


def test_a_bare_abbreviation_is_one_answer_not_a_choice(lookup):
    imt = lookup.ask("IM&T")
    assert (imt.kind, imt.ident) == ("competency", "domain:im-and-t")
    assert "Information Management and Technology".casefold() in imt.answer.casefold()
    sea = lookup.ask("SEA")
    assert sea.kind == "glossary"
    assert "Significant event audit/reporting" in sea.answer
    assert "significant-event-audit-reporting" in {lookup.resolve(c.key).ident for c in sea.related}


@pytest.mark.parametrize(
    "query",
    [
        "what's the salary for a PCN manager",
        "how much does a practice manager earn",
        "order me a pizza",
    ],
)
def test_what_the_frameworks_do_not_cover_is_not_found(lookup, query):
    assert lookup.ask(query).kind == "none"


def test_pay_work_described_is_still_payroll(lookup):
    assert lookup.ask("I run the salaries each month").ident == "payroll-and-pensions"


@pytest.mark.parametrize(
    ("query", "ident"),
    [
        ("table 4", "training:early"),
        ("whats in table 7", "development:established"),
        ("Table 3?", "ksa:early"),
        ("table 1 roles", "overview:roles"),
        ("show me table 2", "section:career-directions"),
    ],
)
def test_the_seeds_numbered_tables_are_found_by_number(lookup, query, ident):
    assert lookup.ask(query).ident == ident


@pytest.mark.parametrize(
    ("query", "kind"), [("training options", "training"), ("ksa", "ksa"), ("skills", "ksa")]
)
def test_a_stage_table_asked_for_with_no_stage_offers_each_stage(lookup, query, kind):
    answer = lookup.ask(query)
    assert answer.kind == "clarify"
    offered = {lookup.resolve(c.key).ident for c in answer.candidates}
    assert offered == {f"{kind}:early", f"{kind}:established", f"{kind}:late"}


def test_two_ranges_of_one_name_are_compared_by_their_domains(lookup):
    answer = lookup.ask("resource negotiation finance vs population care")
    assert answer.kind == "compare"
    assert set(answer.compared) == {
        "resource-negotiation-finance",
        "resource-negotiation-population-care",
    }


def test_which_is_more_between_two_roles_compares_them(lookup):
    answer = lookup.ask("pcn manager or practice manager, which is more strategic")
    assert answer.kind == "compare"
    assert set(answer.compared) == {"role:practice-manager", "role:primary-care-network-manager"}


def test_an_option_of_two_stages_compared_shows_that_option_of_each(lookup):
    answer = lookup.ask("portfolio career established vs late")
    assert answer.kind == "compare"
    assert set(answer.compared) == {
        "training:established/portfolio-career-opportunities",
        "training:late/portfolio-career-opportunities",
    }


@pytest.mark.parametrize(
    ("query", "ident"),
    [
        ("im 63 and been doing this forever, where do i fit", "stage:late"),
        ("im 59, what training is there for me", "training:late"),
        ("15 yrs in, what training fits", "training:established"),
        ("what development options are there for managers close to retiring", "training:late"),
        ("resilience and leadership at the end of my career, what is expected", "ksa:late"),
    ],
)
def test_the_askers_age_or_time_in_the_job_names_a_stage(lookup, query, ident):
    assert lookup.ask(query).ident == ident


@pytest.mark.parametrize(
    ("query", "items"),
    [
        ("difference between established and late stage", {"stage:established", "stage:late"}),
        ("is winding down the same as legacy", {"direction:winding-down", "direction:legacy"}),
        (
            "communications or day to day operations which is which",
            {"core:communications", "core:day-to-day-operations"},
        ),
    ],
)
def test_two_items_set_against_each_other_are_compared(lookup, query, items):
    answer = lookup.ask(query)
    assert answer.kind == "compare"
    assert set(answer.compared) == items
