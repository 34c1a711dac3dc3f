"""Share and sign-off through the PTB Application: two people, each in their own chat."""

from __future__ import annotations

import re

from tests.telegram.recording import strip_html
from tests.telegram.test_objectives import set_objective
from tests.telegram.test_reminders import onboarded
from tests.telegram.updates import TgUser, query_db

ANA, BEN = 3201, 3202


def shown(calls) -> str:
    return "\n".join(strip_html(c.text or "") for c in calls if c.text)


async def test_share_comment_sign_off_and_revoke(app, rec, sqlite_url):
    ana = await onboarded(app, rec, ANA, "Ana", assess=True)
    await set_objective(ana, "Write the practice development plan", "6 months")
    await ana.command("/share")
    calls = await ana.press("Create a link")
    url = re.search(r"https://t\.me/(\w+)\?start=(p[\w-]+)", shown(calls))
    assert url is not None and url.group(1) == app.bot.username

    ben = TgUser(app, rec, user_id=BEN, first_name="Ben")
    calls = await ben.command(f"/start {url.group(2)}")
    assert "Ana's development plan (read only)" in shown(calls)
    await ben.press("Comment on 1")
    await ben.send("Agree the plan with the partners first.")
    await ben.press("Sign off the plan")
    calls = await ben.press("Yes, sign it off")
    assert "Signed off on" in shown(calls)
    assert query_db(sqlite_url, "select count(*) from objectives where signed_off_at is null") == [
        (0,)
    ]

    calls = await ana.command("/share")
    text = shown(calls)
    assert "opened by Ben" in text and "Agree the plan with the partners first." in text
    await ana.press("Revoke link 1")
    calls = await ben.command(f"/start {url.group(2)}")
    assert "not valid any more" in shown(calls) and "Write the practice" not in shown(calls)
