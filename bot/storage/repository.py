"""All database access of the bot, one store per job, joined in `Repository`.

Every public method is one transaction and returns plain frozen dataclasses,
dicts or tuples (never ORM objects), so nothing can lazy-load after the
session is gone. A conversation step's changes are applied with its state in
one transaction (`apply_step`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, update

from bot.storage import deliveries, statements
from bot.storage.assessments import AssessmentStore
from bot.storage.changes import (
    AcceptPrivacy,
    AddComment,
    AddCpdEntry,
    AddObjective,
    AttachEvidence,
    CancelReminders,
    Change,
    ClearRating,
    CompleteAssessment,
    CreateShare,
    OpenShare,
    RecordRating,
    RevokeShare,
    ScheduleReminder,
    SetGroupOptIns,
    SetObjectiveStatus,
    SetPrintDetails,
    SetProfile,
    SetTarget,
    SignOff,
    StartAssessment,
    UpdateCpdEntry,
)
from bot.storage.cpd import CpdStore
from bot.storage.groups import GroupStore
from bot.storage.lookups import LookupContextStore
from bot.storage.objectives import ObjectiveStore
from bot.storage.privacy import PrivacyStore
from bot.storage.profiles import ProfileStore
from bot.storage.records import (
    NAME_MAX,
    ConversationRecord,
    NoOpenAssessmentError,
    ProfileRecord,
    Snapshot,
    UserRecord,
)
from bot.storage.shares import ShareStore
from bot.storage.tables import (
    _assessment_records,
    _members,
    _range_key,
    _ratings,
)
from bot.vocabulary import check_level

#: How stale a user's `last_seen` may get before an update writes it again.
SEEN_EVERY = timedelta(minutes=1)

FIRST_VERSIONS = 10**8
"""A new conversation's first version is drawn from this many: a conversation begun after
/forget (or another user's) never carries the versions an old keyboard's buttons were drawn at."""


def _seen_as(user: UserRecord, name: str, now: datetime) -> bool:
    """The stored row already says this: active, named `name`, seen within `SEEN_EVERY`."""
    return user.active and user.name == name and now - user.last_seen < SEEN_EVERY


def first_version() -> int:
    """A random first version, below 10**9 however long the conversation runs (nine digits in
    button data, within a 32-bit column)."""
    return 1 + secrets.randbelow(FIRST_VERSIONS)


class Repository(
    ProfileStore,
    AssessmentStore,
    CpdStore,
    ObjectiveStore,
    ShareStore,
    GroupStore,
    PrivacyStore,
    LookupContextStore,
):
    """The bot's storage: one transaction per public method."""

    async def load_snapshot(self, user_id: int) -> Snapshot:
        return await self._transactions.run_each(self._full_snapshot, user_id)

    async def begin_turn(
        self, user_id: int, name: str, needs_history: Callable[[Snapshot], bool] | None = None
    ) -> Snapshot:
        """The read at the start of one update: the user is recorded as seen (created if new)
        and what a conversation step needs comes back (without the open assessment, which the
        steps carry in their payload), with the assessment history when `needs_history(snapshot)`
        says the turn reads it. Its statements need not commit together (`run_each`): the
        user's upsert stands alone, and a user's updates are handled one at a time."""
        return await self._transactions.run_each(
            self._open_turn, user_id, name, self._now(), needs_history
        )

    def _open_turn(
        self,
        conn: Connection,
        user_id: int,
        name: str,
        now: datetime,
        needs_history: Callable[[Snapshot], bool] | None,
    ) -> Snapshot:
        snapshot = self._turn(conn, user_id, name, now)
        if needs_history is None or not needs_history(snapshot):
            return snapshot
        return replace(snapshot, history=tuple(self._history(conn, user_id)))

    def _turn(self, conn: Connection, user_id: int, name: str, now: datetime) -> Snapshot:
        """The snapshot, the user recorded as seen. Their row is written only when something
        in it changes: a new user, another name, active again, or `last_seen` older than
        `SEEN_EVERY` (so it is right to within that); most updates only read."""
        snapshot = self._snapshot(conn, user_id)
        user, name = snapshot.user, name[:NAME_MAX]
        if user is not None and _seen_as(user, name, now):
            return snapshot
        self._touch(conn, user_id, name, now)
        if user is None:
            return self._snapshot(conn, user_id)
        return replace(snapshot, user=replace(user, name=name, last_seen=now, active=True))

    @classmethod
    def _full_snapshot(cls, conn: Connection, user_id: int) -> Snapshot:
        snapshot = cls._snapshot(conn, user_id)
        if snapshot.user is None:
            return snapshot
        rows = conn.execute(statements.OPEN_ASSESSMENT, {"b_user_id": user_id}).all()
        found = _assessment_records(rows)
        return replace(snapshot, open_assessment=found[0] if found else None)

    @staticmethod
    def _snapshot(conn: Connection, user_id: int) -> Snapshot:
        rows = conn.execute(statements.SNAPSHOT, {"b_id": user_id}).all()
        if not rows:
            return Snapshot(None, None, None, None)
        head = rows[0]
        user = UserRecord(
            id=head.id,
            name=head.name,
            first_seen=head.first_seen,
            last_seen=head.last_seen,
            privacy_accepted_at=head.privacy_accepted_at,
            active=head.active,
        )
        targets = {row.t_domain_id: row.t_level for row in rows if row.t_domain_id is not None}
        profile = None
        if head.p_user_id is not None or targets:
            profile = ProfileRecord(
                user_id=user_id,
                role=head.role,
                career_stage=head.career_stage,
                directions=tuple(head.directions or ()),
                years_in_management=head.years_in_management,
                updated_at=head.p_updated_at,
                targets=targets,
            )
        conversation = None
        if head.c_user_id is not None:
            conversation = ConversationRecord(
                flow=head.flow,
                step=head.step,
                payload=dict(head.payload or {}),
                version=head.version,
                updated_at=head.c_updated_at,
            )
        return Snapshot(user, profile, conversation, None)

    async def apply_step(
        self,
        user_id: int,
        expected_version: int,
        flow: str,
        step: str,
        payload: dict[str, Any],
        changes: Sequence[Change] = (),
    ) -> int | None:
        """Save the conversation state and apply `changes`, all in one transaction.

        Only when the stored version still equals `expected_version` (0: no row
        yet); returns the new version, or None when stale (then nothing changed). A new row
        starts at a random version (`first_version`), each step adds one.
        The user must exist (`begin_turn`).
        """
        args = self._step_args(user_id, expected_version, flow, step, payload, changes)
        if self._at_once(expected_version, changes, args[-1]):
            return await self._transactions.run_each(self._step_at_once, *args)
        return await self._transactions.run(self._step, *args)

    def _at_once(
        self, expected_version: int, changes: Sequence[Change], delivery: deliveries.Delivery | None
    ) -> bool:
        """Whether the step can be one statement in autocommit (`_step_at_once`): on
        PostgreSQL, a conversation row there already, no change or one rating, and no prune
        of old claims due with its claim."""
        return (
            self._transactions.autocommits
            and expected_version != 0
            and (not changes or (len(changes) == 1 and isinstance(changes[0], RecordRating)))
            and (
                delivery is None
                or delivery.claimed
                or delivery.update_id % deliveries.PRUNE_EVERY != 0
            )
        )

    @staticmethod
    def _step_at_once(
        conn: Connection,
        user_id: int,
        expected_version: int,
        state: dict[str, Any],
        changes: Sequence[Change],
        now: datetime,
        delivery: deliveries.Delivery | None = None,
    ) -> int | None:
        """`_step` as one statement (`statements.one_statement_step`): one round trip in
        autocommit, all of it or nothing. The same outcomes: the new version; None when stale
        or the update was claimed before (nothing written); `NoOpenAssessmentError` for a
        rating with no assessment open (nothing written)."""
        claim = delivery is not None and not delivery.claimed
        rating = changes[0] if changes else None
        params = {
            **state,
            "b_user_id": user_id,
            "b_updated_at": now,
            "b_expected": expected_version,
        }
        if claim:
            assert delivery is not None
            params |= {"b_update_id": delivery.update_id, "b_handled_at": now}
        if isinstance(rating, RecordRating):
            params |= {
                "b_domain_id": rating.domain_id,
                "b_range_id": _range_key(rating.range_id),
                "b_level": check_level(rating.level),
                "b_note": rating.note,
            }
        statement = statements.one_statement_step(claim, rating is not None)
        row = conn.execute(statement, params).one()
        if claim and row.claimed:
            assert delivery is not None
            delivery.claimed = True
        if row.version is not None:
            return int(row.version)
        if claim and row.taken:
            return None
        if rating is not None and row.assessment_id is None and row.fresh:
            raise NoOpenAssessmentError(f"user {user_id} has no open assessment")
        return None

    async def apply_step_and_read(
        self,
        user_id: int,
        expected_version: int,
        flow: str,
        step: str,
        payload: dict[str, Any],
        changes: Sequence[Change] = (),
    ) -> tuple[int | None, Snapshot | None]:
        """`apply_step`, then in the same transaction the user's snapshot as the step left it
        (None when stale): for a step whose changes the next view shows (profile, targets)."""
        return await self._transactions.run(
            self._step_and_read,
            *self._step_args(user_id, expected_version, flow, step, payload, changes),
        )

    def _step_args(
        self,
        user_id: int,
        expected_version: int,
        flow: str,
        step: str,
        payload: dict[str, Any],
        changes: Sequence[Change],
    ) -> tuple[Any, ...]:
        state = {"b_flow": flow, "b_step": step, "b_payload": payload}
        return user_id, expected_version, state, changes, self._now(), deliveries.current()

    def _step_and_read(
        self, conn: Connection, user_id: int, *args: Any
    ) -> tuple[int | None, Snapshot | None]:
        version = self._step(conn, user_id, *args)
        return version, None if version is None else self._snapshot(conn, user_id)

    def _step(
        self,
        conn: Connection,
        user_id: int,
        expected_version: int,
        state: dict[str, Any],
        changes: Sequence[Change],
        now: datetime,
        delivery: deliveries.Delivery | None = None,
    ) -> int | None:
        """One versioned write (INSERT or UPDATE ... RETURNING the version), then the changes;
        none of it when the Telegram update being handled has stored a step before."""
        if delivery is not None and not deliveries.claim(conn, delivery, now):
            return None
        params = {**state, "b_user_id": user_id, "b_updated_at": now}
        new_version: int | None = None
        if expected_version == 0:
            insert = statements.insert_conversation(conn.dialect.name)
            first = {**params, "b_version": first_version()}
            new_version = conn.execute(insert, first).scalar_one_or_none()
        if new_version is None:
            update_ = statements.update_conversation()
            params["b_expected"] = expected_version
            new_version = conn.execute(update_, params).scalar_one_or_none()
        if new_version is None:
            return None
        for change in changes:
            self._apply_change(conn, user_id, change, now)
        return new_version

    def _apply_change(self, s: Connection, user_id: int, change: Change, now: datetime) -> None:
        match change:
            case AcceptPrivacy():
                self._accept_privacy(s, user_id, now)
            case SetProfile():
                self._set_profile(
                    s,
                    user_id,
                    now,
                    role=change.role,
                    career_stage=change.career_stage,
                    directions=change.directions,
                    years_in_management=change.years_in_management,
                )
            case SetTarget():
                self._set_target(s, user_id, change.domain_id, change.level, now)
            case StartAssessment():
                self._start_assessment(s, user_id, now)
            case RecordRating():
                aid = self._require_open_assessment(s, user_id)
                self._record_rating(
                    s, aid, change.domain_id, change.level, change.range_id, change.note, now
                )
            case ClearRating():
                aid = self._require_open_assessment(s, user_id)
                s.execute(
                    delete(_ratings).where(
                        _ratings.c.assessment_id == aid,
                        _ratings.c.domain_id == change.domain_id,
                        _ratings.c.range_id == _range_key(change.range_id),
                    )
                )
            case CompleteAssessment():
                aid = self._require_open_assessment(s, user_id)
                self._complete(s, aid, now)
            case AddCpdEntry():
                self._add_cpd(
                    s,
                    user_id,
                    change.text,
                    change.hours,
                    change.domain_id,
                    change.range_id,
                    now,
                    change.happened_on,
                )
            case UpdateCpdEntry():
                self._update_cpd(s, user_id, change)
            case AttachEvidence():
                self._attach(s, user_id, change, now)
            case CreateShare():
                self._create_share(s, user_id, change.token, now)
            case OpenShare():
                self._open_share(s, user_id, change.share_id, change.name, now)
            case RevokeShare():
                self._revoke_share(s, user_id, change.share_id, now)
            case AddComment():
                self._add_comment(
                    s, user_id, change.share_id, change.objective_id, change.text, now
                )
            case SignOff():
                self._sign_off(s, user_id, change.share_id, now)
            case SetPrintDetails():
                self._set_print_details(s, user_id, change.print_name, change.practice, now)
            case ScheduleReminder():
                self._schedule(s, user_id, change.due_at, change.kind, now)
            case CancelReminders():
                self._cancel_reminders(s, user_id, now, change.kind)
            case AddObjective():
                self._add_objective(s, user_id, change, now)
            case SetObjectiveStatus():
                self._set_objective_status(s, user_id, change.objective_id, change.status, now)
            case SetGroupOptIns():
                # Only an existing membership: someone who left cannot opt back in this way.
                s.execute(
                    update(_members)
                    .where(_members.c.chat_id == change.chat_id, _members.c.user_id == user_id)
                    .values(
                        share_profile=change.share,
                        mentor_domains=list(dict.fromkeys(change.mentor_domains)),
                    )
                )
            case _:
                raise TypeError(f"not a storage change: {change!r}")
