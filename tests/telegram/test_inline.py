"""Inline mode through the Application: `@bot infection control strategic` in any chat.

Each inline query is a real Update processed by the Application; the answer is the
answerInlineQuery call the bot makes, checked as Telegram checks it (result count, unique
ids, titles, message texts, the deep-link button's start parameter).
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.telegram.recording import BOT_USERNAME, Call, RecordingRequest, bad, strip_html
from tests.telegram.updates import TgUser, as_update, user

MAX_RESULTS = 50
ID_LIMIT = 64
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Telegram gives a bot about 10 seconds to answer; a lookup must take a small part of that.
ANSWER_WITHIN_SECONDS = 1.0

_update_ids = itertools.count(900_000)
_query_ids = itertools.count(1)


class InlineRecordingRequest(RecordingRequest):
    """RecordingRequest that also answers answerInlineQuery as Telegram checks it."""

    async def _api_answerInlineQuery(self, params: dict, files: dict) -> Any:
        results = params.get("results")
        if not params.get("inline_query_id"):
            raise bad("QUERY_ID_INVALID")
        if not isinstance(results, list):
            raise bad('field "results" must be an Array')
        if len(results) > MAX_RESULTS:
            raise bad("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids):
            raise bad("RESULT_ID_DUPLICATE")
        for result in results:
            if not 1 <= len(str(result.get("id", "")).encode()) <= ID_LIMIT:
                raise bad("RESULT_ID_INVALID")
            if not result.get("title"):
                raise bad("RESULT_TITLE_EMPTY")
            text = (result.get("input_message_content") or {}).get("message_text", "")
            if not text.strip():
                raise bad("MESSAGE_EMPTY")
            if len(text) > 4096:
                raise bad("MESSAGE_TOO_LONG")
            self._check_markup(result)
        button = params.get("button")
        if button and not START_PARAMETER.fullmatch(button.get("start_parameter", "")):
            raise bad("START_PARAM_INVALID")
        return True


def inline_query(query: str, from_user: dict | None = None) -> dict:
    """The user types `@bot query` in some chat."""
    return {
        "update_id": next(_update_ids),
        "inline_query": {
            "id": f"iq{next(_query_ids)}",
            "from": from_user or user(),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        },
    }


@pytest.fixture
def rec() -> InlineRecordingRequest:
    return InlineRecordingRequest()


@pytest.fixture
def rate_limited() -> bool:
    return False


async def ask_inline(app, rec: RecordingRequest, query: str) -> Call:
    """Process one inline query; the one answerInlineQuery call it caused (checked ok)."""
    mark = rec.mark()
    started_at = time.monotonic()
    await app.process_update(as_update(inline_query(query), app.bot))
    elapsed = time.monotonic() - started_at
    calls = rec.since(mark)
    assert [c.method for c in calls] == ["answerInlineQuery"], calls
    (answer,) = calls
    assert answer.ok, answer.error
    assert elapsed < ANSWER_WITHIN_SECONDS, f"{query!r} answered in {elapsed:.2f}s"
    return answer


def results(call: Call) -> list[dict]:
    return call.params["results"]


def titles(call: Call) -> list[str]:
    return [r["title"] for r in results(call)]


def message_text(result: dict) -> str:
    return result["input_message_content"]["message_text"]


def descriptor(kb, range_name: str, domain_name: str, level: str) -> str:
    domain = next(d for d in kb.competency.domains if d.name == domain_name)
    return getattr(next(r for r in domain.ranges if r.name == range_name), level)


async def test_empty_query_offers_the_nine_domains_and_seven_directions(app, rec, kb):
    answer = await ask_inline(app, rec, "")
    found = results(answer)
    domains = [f"{d.number}. {d.name}" for d in kb.competency.domains]
    directions = [d.title for d in kb.career.directions]
    assert (len(domains), len(directions)) == (9, 7)
    assert titles(answer) == domains + directions
    assert len(found) == 16
    for result in found:
        assert result["type"] == "article"
        assert result["description"] and "\n" not in result["description"]
    finance = found[domains.index("5. Finance")]
    assert message_text(finance).startswith("Finance: ")
    assert "Petty cash" in message_text(finance)


async def test_exact_query_puts_the_range_and_level_first_with_the_full_descriptor(app, rec, kb):
    answer = await ask_inline(app, rec, "infection control strategic")
    first = results(answer)[0]
    assert first["title"] == "Infection control - Strategic"
    expected = descriptor(kb, "Infection control", "Risk Management", "strategic")
    assert expected in message_text(first)
    assert first["description"] and "\n" not in first["description"]
    assert len(first["description"]) <= 100
    assert "Risk Management" in first["description"]
    assert len(set(titles(answer))) == len(titles(answer))


async def test_a_typo_still_finds_the_range(app, rec, kb):
    answer = await ask_inline(app, rec, "infection contrl strategic")
    first = results(answer)[0]
    assert first["title"] == "Infection control - Strategic"
    expected = descriptor(kb, "Infection control", "Risk Management", "strategic")
    assert expected in message_text(first)


async def test_an_ambiguous_query_becomes_several_results_told_apart(app, rec, kb):
    answer = await ask_inline(app, rec, "resource negotiation")
    found = results(answer)
    assert len(found) >= 2
    by_domain = {}
    for domain in ("Finance", "Population Care"):
        mine = [r for r in found if domain in r["title"]]
        assert len(mine) == 1, (domain, titles(answer))
        by_domain[domain] = mine[0]
        assert domain in mine[0]["description"]
        managerial = descriptor(kb, "Resource negotiation", domain, "managerial")
        assert managerial in message_text(mine[0])
    assert by_domain["Finance"]["title"] != by_domain["Population Care"]["title"]
    assert by_domain["Finance"]["id"] != by_domain["Population Care"]["id"]


async def test_career_items_are_titled_by_name_not_internal_id(app, rec):
    answer = await ask_inline(app, rec, "moving across")
    assert titles(answer)[0] == "Moving across"
    for title in titles(answer):
        assert not re.match(r"^(direction|training|stage|glossary):", title), titles(answer)


async def test_results_are_cached_and_offer_a_deep_link_to_the_private_chat(app, rec):
    answer = await ask_inline(app, rec, "infection control strategic")
    assert 60 <= int(answer.params["cache_time"]) <= 3600
    assert answer.params.get("is_personal") in (None, False)
    button = answer.params["button"]
    assert button["text"] and START_PARAMETER.fullmatch(button["start_parameter"])
    payloads = set()
    for result in results(answer):
        (row,) = result["reply_markup"]["inline_keyboard"]
        (link,) = row
        url = urlparse(link["url"])
        assert (url.scheme, url.netloc, url.path) == ("https", "t.me", f"/{BOT_USERNAME}")
        payloads.add(parse_qs(url.query)["start"][0])
    assert payloads == {"plan"}


async def test_the_deep_link_lands_in_the_plan_flow(app, rec):
    """The button's `/start plan`: a newcomer is welcomed first, a known user sees the plan."""
    answer = await ask_inline(app, rec, "complaints managerial")
    link = results(answer)[0]["reply_markup"]["inline_keyboard"][0][0]["url"]
    payload = parse_qs(urlparse(link).query)["start"][0]
    alice = TgUser(app, rec)
    (welcome,) = await alice.command(f"/start {payload}")
    assert strip_html(welcome.text).startswith("Welcome to careerbot")

    (start,) = await alice.command("/start")
    m = start.message_id
    for label in ("OK, let's start", "Practice manager", "Early", "Moving up", "Done"):
        await alice.press(label, m)
    calls = await alice.command(f"/start {payload}")
    assert calls and strip_html(calls[0].text).startswith("Your development plan")
    assert ("Start self-assessment", "go:assess") in calls[0].buttons  # no assessment yet


async def test_button_payload_of_the_results_list_opens_the_bot(app, rec):
    answer = await ask_inline(app, rec, "")
    alice = TgUser(app, rec)
    (welcome,) = await alice.command(f"/start {answer.params['button']['start_parameter']}")
    assert strip_html(welcome.text).startswith("Welcome to careerbot")


async def test_nonsense_gets_no_results_rather_than_stock_items(app, rec):
    assert results(await ask_inline(app, rec, "zqxj wvvb plorf")) == []
    assert results(await ask_inline(app, rec, "complaints managerial"))  # a real query still does
