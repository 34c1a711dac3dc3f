"""Share and sign-off (`/share`): a one-time link to a read-only view of the plan.

The owner creates a link and sends it to their appraiser or mentor; the first person to open
it (in their own chat with the bot) sees the plan, objectives and CPD log, comments on each
objective and may sign the plan off, which locks its objectives. The owner sees the comments and
can revoke the link at any time; a revoked link shows nothing more.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from bot.flows.core import IDLE, INVALID, CommandSpec, Context, FlowState, Outcome, Step, register
from bot.flows.cpd import clean_entry, entry_line
from bot.flows.objectives import objective_line
from bot.flows.shared import SharedPlan
from bot.flows.values import number
from bot.flows.views import View, rows
from bot.flows.words import plural
from bot.knowledge import KnowledgeBase
from bot.storage.changes import AddComment, CreateShare, OpenShare, RevokeShare, SignOff
from bot.storage.records import CommentRecord, ObjectiveRecord
from bot.vocabulary import label

FLOW = "share"
PREFIX = "p"
_PAYLOAD = re.compile(rf"^{PREFIX}([A-Za-z0-9_-]{{16,40}})$")
SHOWN_ENTRIES = 10
ENTRY_TEXT = 150
MAX_COMMENT = 1000


def share_token(args: str) -> str | None:
    """The token in a `/start p<token>` deep link, if that is what it is."""
    match = _PAYLOAD.match(args.strip())
    return match.group(1) if match else None


def link(ctx: Context, token: str) -> str:
    payload = f"{PREFIX}{token}"
    if ctx.bot_username:
        return f"https://t.me/{ctx.bot_username}?start={payload}"
    return f"/start {payload}"


# -- the owner ---------------------------------------------------------------------------------


def start(state: FlowState) -> Outcome:
    return Outcome(state.moved("share"))


def _comments_on(
    objectives: Sequence[ObjectiveRecord], comments: Sequence[CommentRecord]
) -> list[str]:
    what = {o.id: o.what for o in objectives}
    return [
        f'On "{what.get(c.objective_id, "an objective")}": {c.text} ({c.created_at:%d %b %Y})'
        for c in comments
    ]


def render_share(state: FlowState, ctx: Context) -> View:
    sharing = ctx.sharing
    shares = sharing.shares if sharing else ()
    lines = [
        "Share a read-only view of your plan, objectives and CPD log with your appraiser or "
        "mentor. The link works once: the first person to open it sees your plan in their own "
        "chat with me, can comment on each objective and sign the plan off (which locks it). "
        "You can revoke it at any time."
    ]
    new = state.payload.get("new")
    if new:
        lines.append(f"Send this link to your appraiser:\n{link(ctx, new)}")
    buttons = [state.button("Create a link", "n")]
    for n, share in enumerate(shares, start=1):
        status = [f"created {share.created_at:%d %b %Y}"]
        if share.appraiser_name:
            status.append(f"opened by {share.appraiser_name}")
        if share.signed_off_at:
            status.append(f"signed off {share.signed_off_at:%d %b %Y}")
        if share.revoked_at:
            status.append("revoked")
        else:
            buttons.append(state.button(f"Revoke link {n}", f"r{share.id}"))
        lines.append(f"Link {n}: {', '.join(status)}")
    comments = _comments_on(ctx.objectives or (), sharing.comments if sharing else ())
    if comments:
        lines.append("Comments:\n" + "\n".join(comments))
    buttons.append(state.button("Close", "x"))
    return View("\n\n".join(lines), title="Share your plan", buttons=rows(*buttons, per_row=2))


def tap_share(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "x":
        return Outcome(state.moved(IDLE), show_state=False, notice="Closed.")
    if value == "n":
        token = secrets.token_urlsafe(18)
        return Outcome(state.updated(new=token), changes=(CreateShare(token),))
    shares = ctx.sharing.shares if ctx.sharing else ()
    chosen = next((s for s in shares if f"r{s.id}" == value and not s.revoked_at), None)
    if chosen is None:
        return INVALID
    return Outcome(state.updated(new=None), changes=(RevokeShare(chosen.id),))


# -- the appraiser -----------------------------------------------------------------------------


def open_link(state: FlowState, ctx: Context) -> Outcome:
    """`/start p<token>`: the first opener becomes the appraiser and sees the plan."""
    shared = ctx.shared
    refusal = ""
    if shared is None or shared.share.revoked_at:
        refusal = "This link is not valid any more: ask for a new one."
    elif shared.share.user_id == ctx.user_id:
        refusal = "This is your own link: send it to your appraiser or mentor."
    elif shared.share.appraiser_id not in (None, ctx.user_id):
        refusal = "This link has been used already: a link works once. Ask for a new one."
    if refusal or shared is None:
        return Outcome(None, views=(View(refusal, title="Shared plan"),), show_state=False)
    changes = () if shared.share.appraiser_id else (OpenShare(shared.share.id, ctx.user_name),)
    return Outcome(state.moved("appraise", share_id=shared.share.id), changes=changes)


def _holds(ctx: Context, state: FlowState) -> SharedPlan | None:
    """The plan in focus, if this user is its appraiser and its owner still shares it."""
    shared = ctx.shared
    if shared is None or shared.share.id != state.payload.get("share_id"):
        return None
    if shared.share.revoked_at or shared.share.appraiser_id != ctx.user_id:
        return None
    return shared


def shared_body(shared: SharedPlan, kb: KnowledgeBase) -> str:
    """The read-only view: where they are, gaps, objectives with comments, CPD."""
    parts = []
    plan = shared.plan
    if plan is not None:
        lines = [f"Assessed {plan.assessed_on}."]
        lines += [f"{x.domain.name}: {label(x.current)} → {label(x.target)}" for x in plan.lines]
        lines += [f"Gap: {g.domain.name} · {g.range.name} · {g.level.label}" for g in plan.gaps]
        parts.append("\n".join(lines))
    notes: dict[int, list[str]] = {}
    for c in shared.comments:
        notes.setdefault(c.objective_id, []).append(c.text)
    objectives = []
    for n, o in enumerate(shared.objectives, start=1):
        block = objective_line(kb, n, o)
        block += "".join(f"\n   Comment: {t}" for t in notes.get(o.id, []))
        objectives.append(block)
    parts.append("Objectives:\n" + ("\n".join(objectives) or "none yet"))
    entries = shared.entries[:SHOWN_ENTRIES]
    cpd = [f"{entry_line(kb, e)}\n{e.text[:ENTRY_TEXT]}" for e in entries]
    parts.append(f"CPD ({plural(len(shared.entries), 'entry')}):\n" + ("\n".join(cpd) or "none"))
    if shared.share.signed_off_at:
        parts.append(f"Signed off on {shared.share.signed_off_at:%d %b %Y}.")
    return "\n\n".join(parts)


def render_appraise(state: FlowState, ctx: Context) -> View:
    shared = _holds(ctx, state)
    if shared is None:
        return View(
            "The owner has stopped sharing this plan.",
            title="Shared plan",
            buttons=rows(state.button("Close", "x")),
        )
    buttons = [
        state.button(f"Comment on {n}", f"c{o.id}")
        for n, o in enumerate(shared.objectives, start=1)
    ]
    if not shared.share.signed_off_at:
        buttons.append(state.button("Sign off the plan", "s"))
    buttons.append(state.button("Close", "x"))
    return View(
        shared_body(shared, ctx.kb),
        title=f"{shared.owner_name}'s development plan (read only)",
        buttons=rows(*buttons, per_row=2),
    )


def tap_appraise(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "x":
        return Outcome(state.moved(IDLE), show_state=False, notice="Closed.")
    shared = _holds(ctx, state)
    if shared is None:
        gone = View("The owner has stopped sharing this plan.", title="Shared plan")
        return Outcome(state.moved(IDLE), views=(gone,), show_state=False)
    if value == "s" and not shared.share.signed_off_at:
        return Outcome(state.at("sign_off"))
    wanted = number(value, "c")
    if any(o.id == wanted for o in shared.objectives):
        return Outcome(state.at("appr_comment", objective_id=wanted))
    return INVALID


def render_appr_comment(state: FlowState, ctx: Context) -> View:
    shared = _holds(ctx, state)
    wanted = state.payload["objective_id"]
    what = next(
        (o.what for o in (shared.objectives if shared else ()) if o.id == wanted),
        "this objective",
    )
    return View(
        f'Your comment on "{what}", in one message. The plan\'s owner will see it.',
        title="Comment",
        buttons=rows(state.button("◀ Back", "b")),
    )


def tap_back(state: FlowState, value: str, ctx: Context) -> Outcome:
    return Outcome(state.at("appraise")) if value == "b" else INVALID


def text_appr_comment(state: FlowState, text: str, ctx: Context) -> Outcome:
    comment = clean_entry(text)[:MAX_COMMENT]
    if not comment or _holds(ctx, state) is None:
        return Outcome(None)
    change = AddComment(state.payload["share_id"], state.payload["objective_id"], comment)
    return Outcome(state.at("appraise"), changes=(change,), notice="Comment saved.")


def render_sign_off(state: FlowState, ctx: Context) -> View:
    shared = _holds(ctx, state)
    owner = shared.owner_name if shared else "this"
    return View(
        f"Sign off {owner}'s plan? Its objectives are then locked: they can only be "
        "superseded by new ones.",
        title="Sign off",
        buttons=rows(state.button("Yes, sign it off", "y"), state.button("◀ Back", "b")),
    )


def tap_sign_off(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "b":
        return Outcome(state.at("appraise"))
    if value != "y" or _holds(ctx, state) is None:
        return INVALID
    return Outcome(state.at("appraise"), changes=(SignOff(state.payload["share_id"]),))


def _share(state: FlowState, args: str, ctx: Context) -> Outcome:
    return start(state)


def _share_in_focus(state: FlowState) -> int | None:
    """The share id of the appraiser's view the user is in."""
    return state.payload.get("share_id")


register(
    Step("share", FLOW, render_share, tap_share, loads=("objectives", "sharing")),
    *(
        Step(name, FLOW, render, tap, text, loads=("shared",), focus=_share_in_focus)
        for name, render, tap, text in (
            ("appraise", render_appraise, tap_appraise, None),
            ("appr_comment", render_appr_comment, tap_back, text_appr_comment),
            ("sign_off", render_sign_off, tap_sign_off, None),
        )
    ),
    CommandSpec(
        "share",
        _share,
        menu="Share your plan with your appraiser, for comments and sign-off",
        help="a one-time link for your appraiser to read, comment on and sign off your plan",
        loads=("objectives", "sharing"),
    ),
)
