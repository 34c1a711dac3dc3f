"""Peer-group chats: lookups, the group picture, mentors, and who joins or leaves.

Telegram's privacy mode stays on: the bot sees commands, replies to its own messages and
inline queries. Anything personal is done in the private chat, through deep-link buttons.
"""

from __future__ import annotations

from html import escape

from telegram import ChatMember, ChatMemberRestricted, InlineKeyboardMarkup, Message, Update
from telegram.ext import filters
from telegram.helpers import mention_html

from bot.flows.core import COMMANDS, Lookup
from bot.flows.disclosure import next_picture
from bot.flows.groups import group_picture
from bot.knowledge import KnowledgeBase
from bot.knowledge.competency import Domain
from bot.runtime import Runtime
from bot.storage.records import PublishedPicture
from bot.telegram.context import BotContext
from bot.telegram.lookups import answer_in_chat, private_link
from bot.telegram.render import PARSE_MODE

GROUP_HELP = (
    "I answer questions about the practice management competency framework and NHS England's "
    "career development framework.\n"
    "/ask QUESTION: look something up, e.g. /ask strategic complaints\n"
    "/group: the group's picture, from members who opted in\n"
    "/mentors DOMAIN: members offering to mentor, e.g. /mentors finance\n"
    "Your own ratings and plan stay in our private chat."
)


class _FromPeople(filters.MessageFilter):
    """Messages from people: not from other bots, except anonymous admins (a bot account that
    Telegram uses for them, with the group as `sender_chat`)."""

    def filter(self, message: Message) -> bool:
        sender = message.from_user
        return sender is None or not sender.is_bot or message.sender_chat is not None


FROM_PEOPLE = _FromPeople(name="FROM_PEOPLE")
PRIVATE_ONLY = "I do that in our private chat, so your answers stay yours:"


class _RepliesToBot(filters.MessageFilter):
    """Replies to one of this bot's own messages."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        sender = replied.from_user if replied is not None else None
        return sender is not None and sender.id == message.get_bot().id


REPLIES_TO_BOT = _RepliesToBot(name="REPLIES_TO_BOT")


async def on_member_seen(update: Update, context: BotContext) -> None:
    """Someone used the bot in a group (a command of its own, a reply to it): remember the
    group and their membership of it. Runs in an early handler group, before the answer."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return
    await context.runtime.repo.member_seen(chat.id, chat.title or "", user.id, user.full_name)


async def on_ask(update: Update, context: BotContext) -> None:
    await answer_in_chat(update, context, " ".join(context.args or []))


async def on_reply_to_bot(update: Update, context: BotContext) -> None:
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if (
        message
        and message.text
        and replied
        and replied.from_user
        and (replied.from_user.id == context.bot.id)
    ):
        await answer_in_chat(update, context, message.text)


async def on_help(update: Update, context: BotContext) -> None:
    if update.effective_chat:
        await context.bot.send_message(
            update.effective_chat.id, escape(GROUP_HELP), parse_mode=PARSE_MODE
        )


async def on_private_only(update: Update, context: BotContext) -> None:
    """/assess, /plan and the like in a group: a button to the private chat, nothing else."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    spec = COMMANDS.get(command)
    payload = command if spec is not None and spec.deep_link else "help"
    button = private_link(context, payload, "Open careerbot privately")
    await context.bot.send_message(
        chat.id, PRIVATE_ONLY, reply_markup=InlineKeyboardMarkup([[button]])
    )


async def on_group(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    rt = context.runtime
    picture = await current_picture(rt, chat.id)
    button = private_link(context, f"g{chat.id}", "Opt in or out (private)")
    await context.bot.send_message(
        chat.id,
        escape(group_picture(rt.kb, picture)),
        parse_mode=PARSE_MODE,
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


async def current_picture(rt: Runtime, chat_id: int) -> PublishedPicture:
    """The picture the disclosure rule allows now; stored when it is a new one."""
    published = await rt.repo.published_group_picture(chat_id)
    shared = await rt.repo.group_shared_profiles(chat_id)
    picture = next_picture(rt.kb, shared, published)
    if picture is not published and (published is not None or picture.drawn_from):
        await rt.repo.publish_group_picture(chat_id, picture)
    return picture


async def on_mentors(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    rt = context.runtime
    domain = find_domain(rt.kb, rt.lookup, " ".join(context.args or []))
    button = private_link(context, f"g{chat.id}", "Offer to mentor (private)")
    keyboard = InlineKeyboardMarkup([[button]])
    if domain is None:
        names = ", ".join(d.name for d in rt.kb.competency.domains)
        text = f"Which domain? e.g. /mentors finance. The domains: {names}."
        await context.bot.send_message(
            chat.id, escape(text), parse_mode=PARSE_MODE, reply_markup=keyboard
        )
        return
    mentors = await rt.repo.group_mentors(chat.id, domain.id)
    if not mentors:
        text = escape(f"No one here has offered to mentor in {domain.name} yet.")
    else:
        names = ", ".join(mention_html(m.user_id, m.name) for m in mentors)
        text = f"Mentors for {escape(domain.name)}: {names}"
    await context.bot.send_message(chat.id, text, parse_mode=PARSE_MODE, reply_markup=keyboard)


def find_domain(kb: KnowledgeBase, lookup: Lookup, query: str) -> Domain | None:
    """The domain `query` names: its number, name, id or an alias, else the lookup's domain."""
    wanted = " ".join(query.split()).casefold()
    if not wanted:
        return None
    for n, domain in enumerate(kb.competency.domains, start=1):
        names = {str(n), domain.id, domain.name, *domain.aliases}
        if wanted in {name.casefold() for name in names}:
            return domain
    answer = lookup.ask(wanted)
    return next((d for d in kb.competency.domains if d.name == answer.domain), None)


async def on_my_membership(update: Update, context: BotContext) -> None:
    """The bot was added to or removed from a group, or blocked by a user (private chat)."""
    change, chat = update.my_chat_member, update.effective_chat
    if change is None or chat is None:
        return
    repo = context.runtime.repo
    if chat.type == chat.PRIVATE:
        if change.new_chat_member.status == ChatMember.BANNED:  # blocked: send them nothing
            await repo.mark_inactive(chat.id)
        return
    if change.new_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
        await repo.group_bot_removed(chat.id)
        return
    if change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED):
        await repo.group_seen(chat.id, chat.title or "")
        await context.bot.send_message(chat.id, escape(GROUP_HELP), parse_mode=PARSE_MODE)


async def on_member_change(update: Update, context: BotContext) -> None:
    """A member left or was removed: their opt-ins for this group go at once."""
    change, chat = update.chat_member, update.effective_chat
    if change is None or chat is None:
        return
    member = change.new_chat_member
    gone = member.status in (ChatMember.LEFT, ChatMember.BANNED) or (
        isinstance(member, ChatMemberRestricted) and not member.is_member
    )
    if gone:
        await context.runtime.repo.leave_group(chat.id, member.user.id)


async def on_left_message(update: Update, context: BotContext) -> None:
    """The "X left the group" service message: sent even in privacy mode and to non-admins."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.left_chat_member is None:
        return
    await context.runtime.repo.leave_group(chat.id, message.left_chat_member.id)
