"""Peer groups: a member's private opt-ins, and the group picture built only from those.

Opting in happens in the private chat (deep link from the group); the group sees counts per
level only once at least `MIN_SHARED` members share, so no one can be singled out.
"""

from __future__ import annotations

from bot.flows.core import IDLE, INVALID, Context, FlowState, Outcome, Step, register
from bot.flows.disclosure import MIN_SHARED
from bot.flows.values import index
from bot.flows.views import View, rows
from bot.knowledge import KnowledgeBase, Level
from bot.storage.changes import SetGroupOptIns
from bot.storage.records import PublishedPicture
from bot.vocabulary import LABELS, RATING_LEVELS, rank

FLOW = "groups"
HIDDEN = "not shown (answers too alike to show without singling someone out)"
NOT_A_MEMBER = (
    "I don't know you as a member of that group yet. Send /group in the group first, "
    "then use its button to come back here."
)


def optin_payload(arg: str) -> int | None:
    """The group chat id in a `/start g<chat id>` deep link, if that is what it is."""
    if arg.startswith("g") and arg[1:].lstrip("-").isdigit():
        return int(arg[1:])
    return None


def strategic_domains(ctx: Context) -> list[str]:
    """Domains the user rated Strategic in their latest assessment: where they may mentor."""
    latest = ctx.history[-1].levels if ctx.history else {}
    return [d.id for d in ctx.kb.competency.domains if latest.get(d.id) == Level.STRATEGIC.value]


def start_optin(state: FlowState, chat_id: int, ctx: Context) -> Outcome:
    membership = ctx.membership
    if membership is None or membership.chat_id != chat_id:
        return Outcome(None, views=(View(NOT_A_MEMBER),), show_state=False)
    mentor = [d for d in membership.mentor_domains if d in strategic_domains(ctx)]
    return Outcome(
        state.moved("group_optin", chat=chat_id, share=membership.share_profile, mentor=mentor)
    )


def render_gopt(state: FlowState, ctx: Context) -> View:
    title = ctx.membership.title if ctx.membership else "your group"
    sharing = state.payload["share"]
    mentoring = set(state.payload["mentor"])
    offer = strategic_domains(ctx)
    lines = [
        f"Peer group: {title}",
        f"Share your latest levels in this group's /group picture? It shows only counts per "
        f"level, and only once {MIN_SHARED} or more members share. You can withdraw at any time.",
    ]
    buttons = [state.button(("✅ " if sharing else "▫️ ") + "Share my levels", "s")]
    if offer:
        lines.append(
            "Offer to mentor (domains you rate Strategic); /mentors in the group lists you by name:"
        )
        for n, domain in enumerate(ctx.kb.competency.domains):
            if domain.id in offer:
                mark = "✅ " if domain.id in mentoring else "▫️ "
                buttons.append(state.button(f"{mark}Mentor: {domain.name}", f"m{n}"))
    else:
        lines.append("Mentoring: rate a domain Strategic in /assess to offer mentoring in it.")
    buttons.append(state.button("Save", "x"))
    return View("\n\n".join(lines), title="Group opt-ins", buttons=rows(*buttons))


def tap_gopt(state: FlowState, value: str, ctx: Context) -> Outcome:
    domains = ctx.kb.competency.domains
    if value == "s":
        return Outcome(state.updated(share=not state.payload["share"]))
    if (picked := index(value, len(domains), "m")) is not None:
        domain = domains[picked].id
        if domain not in strategic_domains(ctx):
            return INVALID
        chosen = list(state.payload["mentor"])
        if domain in chosen:
            chosen.remove(domain)
        else:
            chosen.append(domain)
        return Outcome(state.updated(mentor=chosen))
    if value == "x":
        if ctx.membership is None or ctx.membership.chat_id != state.payload["chat"]:
            # They left the group (or were removed) since opening this: nothing to opt in to.
            return Outcome(state.moved(IDLE), views=(View(NOT_A_MEMBER),), show_state=False)
        change = SetGroupOptIns(
            state.payload["chat"], state.payload["share"], tuple(state.payload["mentor"])
        )
        shared = "shared" if state.payload["share"] else "not shared"
        done = View(
            f"Saved: your levels are {shared}; "
            f"mentoring in {len(state.payload['mentor'])} domain(s).",
            title="Group opt-ins",
        )
        return Outcome(state.moved(IDLE), changes=(change,), views=(done,), show_state=False)
    return INVALID


def group_picture(kb: KnowledgeBase, picture: PublishedPicture) -> str:
    """Counts per level in the domains the disclosure rule lets the picture show, the group's
    largest gaps among those, and a next-session suggestion."""
    if picture.members < MIN_SHARED:
        return (
            f"The group picture appears once at least {MIN_SHARED} members have opted in "
            f"({picture.members} so far), so no one can be singled out. Opt in privately below."
        )
    short = {
        "not_yet": "Not yet",
        "administrative": "Admin",
        "managerial": "Mgr",
        "strategic": "Strat",
    }
    lines = [f"Peer group picture from {picture.members} members who opted in:"]
    below: dict[str, int] = {}
    for domain in kb.competency.domains:
        counts = picture.counts.get(domain.id)
        if counts is None:
            lines.append(f"{domain.name}: {HIDDEN}")
            continue
        cells = " · ".join(f"{short[lv]} {counts.get(lv, 0)}" for lv in RATING_LEVELS)
        lines.append(f"{domain.name}: {cells}")
        below[domain.id] = sum(
            n for lv, n in counts.items() if rank(lv) < rank(Level.MANAGERIAL.value)
        )
    if not below:
        return "\n".join(lines)
    gaps = sorted((d for d in kb.competency.domains if d.id in below), key=lambda d: -below[d.id])
    gaps = gaps[:2]
    lines.append("")
    lines.append(
        "Largest gaps (members below Managerial): "
        + ", ".join(f"{d.name} ({below[d.id]})" for d in gaps)
    )
    topic = gaps[0].ranges[0]
    lines.append(
        f"Next session idea: what {LABELS['managerial']} looks like for {topic.name} "
        f'({gaps[0].name}): "{topic.managerial}" (Source: {topic.source})'
    )
    return "\n".join(lines)


def _group_in_focus(state: FlowState) -> int | None:
    """The group chat whose opt-ins the user is choosing."""
    return state.payload.get("chat")


register(
    Step(
        "group_optin",
        FLOW,
        render_gopt,
        tap_gopt,
        loads=("history", "membership"),  # its buttons depend on the latest assessment
        focus=_group_in_focus,
    )
)
