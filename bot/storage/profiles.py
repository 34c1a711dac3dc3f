"""Users and their profiles: role, stage, directions, targets, privacy acceptance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.storage import statements
from bot.storage.changes import UNSET, _Unset
from bot.storage.records import NAME_MAX
from bot.storage.store import Store
from bot.storage.tables import Executor, _profiles, _users, dialect_name
from bot.vocabulary import check_level, check_stage


class ProfileStore(Store):
    """Users and profiles."""

    @staticmethod
    def _touch(s: Executor, user_id: int, name: str, now: datetime) -> None:
        s.execute(
            statements.touch_user(dialect_name(s)),
            {"b_id": user_id, "b_name": name[:NAME_MAX], "b_now": now},
        )

    async def mark_inactive(self, user_id: int) -> None:
        """The user blocked the bot."""
        async with self._sessions.begin() as s:
            await s.execute(update(_users).where(_users.c.id == user_id).values(active=False))

    @staticmethod
    def _accept_privacy(s: Executor, user_id: int, now: datetime) -> None:
        s.execute(statements.ACCEPT_PRIVACY, {"b_id": user_id, "b_privacy_accepted_at": now})

    @staticmethod
    def _set_profile(
        s: Executor,
        user_id: int,
        now: datetime,
        *,
        role: str | None | _Unset,
        career_stage: str | None | _Unset,
        directions: Sequence[str] | _Unset,
        years_in_management: int | None | _Unset,
    ) -> None:
        given: dict[str, Any] = {}
        if role is not UNSET:
            given["role"] = role
        if career_stage is not UNSET:
            given["career_stage"] = check_stage(career_stage)
        if directions is not UNSET:
            given["directions"] = list(directions)
        if years_in_management is not UNSET:
            given["years_in_management"] = years_in_management
        fields = ("role", "career_stage", "directions", "years_in_management", "updated_at")
        stmt = statements.upsert(
            dialect_name(s), _profiles, ("user_id",), fields, (*given, "updated_at")
        )
        row: dict[str, Any] = {
            "role": None,
            "career_stage": None,
            "directions": [],
            "years_in_management": None,
        }
        values = {**row, **given, "user_id": user_id, "updated_at": now}
        s.execute(stmt, {f"b_{name}": value for name, value in values.items()})

    async def print_details(self, user_id: int) -> tuple[str, str] | None:
        """(name as printed, practice or PCN) for the PDF, or None until the user was asked."""
        async with self._sessions.begin() as s:
            row = (
                await s.execute(
                    select(_profiles.c.print_name, _profiles.c.practice).where(
                        _profiles.c.user_id == user_id
                    )
                )
            ).one_or_none()
            if row is None or row.print_name is None:
                return None
            return row.print_name, row.practice or ""

    @staticmethod
    def _set_print_details(
        s: Executor, user_id: int, print_name: str, practice: str, now: datetime
    ) -> None:
        stmt = statements.upsert(
            dialect_name(s),
            _profiles,
            ("user_id",),
            ("directions", "updated_at", "print_name", "practice"),
            ("print_name", "practice"),
        )
        s.execute(
            stmt,
            {
                "b_user_id": user_id,
                "b_directions": [],
                "b_updated_at": now,
                "b_print_name": print_name,
                "b_practice": practice,
            },
        )

    @staticmethod
    def _set_target(s: Executor, user_id: int, domain_id: str, level: str, now: datetime) -> None:
        s.execute(
            statements.upsert_target(dialect_name(s)),
            {
                "b_user_id": user_id,
                "b_domain_id": domain_id,
                "b_level": check_level(level),
                "b_set_at": now,
            },
        )
