"""The statements of the per-update hot path, built once with bind parameters.

A statement built afresh for every call costs SQLAlchemy a cache-key walk (and, the first
time, a compilation) each time; these are built once per dialect, so each execution only
binds its parameters to an already compiled statement. Parameter names start with `b_`
(SQLAlchemy reserves a column's own name for the SET clause). Each is marked `built_once`: on
the event loop's SQLite engine it runs on the driver itself (`direct`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Column,
    Table,
    bindparam,
    delete,
    func,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.direct import built_once
from bot.storage.tables import (
    _assessments,
    _assessments_with_ratings,
    _conversations,
    _profiles,
    _ratings,
    _targets,
    _users,
)


def param(column: Column[Any], name: str | None = None) -> BindParameter[Any]:
    """A bind parameter `b_<name>` typed as `column` (so UTC datetimes and JSON convert)."""
    return bindparam(f"b_{name or column.key}", type_=column.type)


def params(table: Table, *names: str) -> dict[str, BindParameter[Any]]:
    """`{name: param(column)}` for these columns of `table` (for `.values(**...)`)."""
    return {name: param(table.c[name]) for name in names}


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@cache
def touch_user(dialect: str) -> Any:
    """Create the user or refresh name and last_seen; a user who writes again is active."""
    u = _users
    stmt = _insert_for(dialect)(u).values(
        **params(u, "id", "name"),
        first_seen=param(u.c.last_seen, "now"),
        last_seen=param(u.c.last_seen, "now"),
        active=true(),
    )
    return built_once(
        stmt.on_conflict_do_update(
            index_elements=[u.c.id],
            set_={
                "name": stmt.excluded.name,
                "last_seen": stmt.excluded.last_seen,
                "active": true(),
            },
        )
    )


#: One user's row with their profile, conversation and targets (one row per target, or one
#: row with NULL target columns): what a conversation step reads.
SNAPSHOT = built_once(
    select(
        _users,
        _profiles.c.user_id.label("p_user_id"),
        _profiles.c.role,
        _profiles.c.career_stage,
        _profiles.c.directions,
        _profiles.c.years_in_management,
        _profiles.c.updated_at.label("p_updated_at"),
        _conversations.c.user_id.label("c_user_id"),
        _conversations.c.flow,
        _conversations.c.step,
        _conversations.c.payload,
        _conversations.c.version,
        _conversations.c.updated_at.label("c_updated_at"),
        _targets.c.domain_id.label("t_domain_id"),
        _targets.c.level.label("t_level"),
    )
    .select_from(
        _users.outerjoin(_profiles, _profiles.c.user_id == _users.c.id)
        .outerjoin(_conversations, _conversations.c.user_id == _users.c.id)
        .outerjoin(_targets, _targets.c.user_id == _users.c.id)
    )
    .where(_users.c.id == param(_users.c.id))
    .order_by(_targets.c.domain_id)
)


@cache
def insert_conversation(dialect: str) -> Any:
    """The first conversation row of a user, at the version given (a random first version,
    `repository.first_version`); nothing when one exists."""
    c = _conversations
    return built_once(
        _insert_for(dialect)(c)
        .values(**params(c, "user_id", "flow", "step", "payload", "version", "updated_at"))
        .on_conflict_do_nothing(index_elements=[c.c.user_id])
        .returning(c.c.version)
    )


@cache
def update_conversation() -> Any:
    """The versioned write: the next version only when the stored one is still the expected
    one; RETURNING says which (no row: stale, nothing changed)."""
    c = _conversations
    names = ["flow", "step", "payload", "updated_at"]
    values: dict[str, Any] = {**params(c, *names), "version": c.c.version + 1}
    return built_once(
        update(c)
        .where(c.c.user_id == param(c.c.user_id), c.c.version == param(c.c.version, "expected"))
        .values(**values)
        .returning(c.c.version)
    )


#: The id of the user's open (not completed) assessment, or NULL.
OPEN_ASSESSMENT_ID = built_once(
    select(func.max(_assessments.c.id)).where(
        _assessments.c.user_id == param(_assessments.c.user_id),
        _assessments.c.completed_at.is_(None),
    )
)

#: The user's open assessment with its ratings (no rows when none is open).
OPEN_ASSESSMENT = built_once(
    _assessments_with_ratings().where(_assessments.c.id == OPEN_ASSESSMENT_ID.scalar_subquery())
)

#: Completing an assessment: no row when it was completed already.
COMPLETE_ASSESSMENT = built_once(
    update(_assessments)
    .where(_assessments.c.id == param(_assessments.c.id), _assessments.c.completed_at.is_(None))
    .values(completed_at=param(_assessments.c.completed_at))
)

#: Privacy accepted (the first acceptance is kept).
ACCEPT_PRIVACY = built_once(
    update(_users)
    .where(_users.c.id == param(_users.c.id), _users.c.privacy_accepted_at.is_(None))
    .values(privacy_accepted_at=param(_users.c.privacy_accepted_at))
)

#: A user's completed assessments with their ratings, oldest first.
HISTORY = built_once(
    _assessments_with_ratings()
    .where(
        _assessments.c.user_id == param(_assessments.c.user_id),
        _assessments.c.completed_at.is_not(None),
    )
    .order_by(None)
    .order_by(_assessments.c.completed_at, _assessments.c.id, _ratings.c.id)
)

#: An assessment's stored chart, when it was drawn from the same key.
STORED_CHART = built_once(
    select(_assessments.c.chart_png).where(
        _assessments.c.id == param(_assessments.c.id),
        _assessments.c.chart_key == param(_assessments.c.chart_key),
    )
)

STORE_CHART = built_once(
    update(_assessments)
    .where(_assessments.c.id == param(_assessments.c.id))
    .values(**params(_assessments, "chart_key", "chart_png"))
)

#: The ids of the user's assessments left open (not completed).
_LEFT_OPEN = select(_assessments.c.id).where(
    _assessments.c.user_id == param(_assessments.c.user_id),
    _assessments.c.completed_at.is_(None),
)
#: Starting an assessment replaces one left open: its ratings, then the assessment itself.
DELETE_LEFT_OPEN_RATINGS = built_once(
    delete(_ratings).where(_ratings.c.assessment_id.in_(_LEFT_OPEN))
)
DELETE_LEFT_OPEN_ASSESSMENTS = built_once(
    delete(_assessments).where(_assessments.c.id.in_(_LEFT_OPEN))
)

START_ASSESSMENT = built_once(
    _assessments.insert()
    .values(**params(_assessments, "user_id", "started_at"))
    .returning(_assessments.c.id)
)


@cache
def upsert(
    dialect: str,
    table: Table,
    keys: tuple[str, ...],
    columns: tuple[str, ...],
    updated: tuple[str, ...],
) -> Any:
    """INSERT a row (every named column a parameter) or, when its `keys` clash with a stored
    row, UPDATE that row's `updated` columns from it."""
    stmt = _insert_for(dialect)(table).values(**params(table, *keys, *columns))
    return built_once(
        stmt.on_conflict_do_update(
            index_elements=[table.c[key] for key in keys],
            set_={name: stmt.excluded[name] for name in updated},
        )
    )


RATED = ("level", "note", "rated_at")


def upsert_rating(dialect: str) -> Any:
    """Rate an item of an assessment, replacing an earlier answer to the same item."""
    return upsert(dialect, _ratings, ("assessment_id", "domain_id", "range_id"), RATED, RATED)


TARGETED = ("level", "set_at")


def upsert_target(dialect: str) -> Any:
    return upsert(dialect, _targets, ("user_id", "domain_id"), TARGETED, TARGETED)


@cache
def one_statement_step(claim: bool, rating: bool) -> Any:
    """PostgreSQL: a versioned step as one statement (data-modifying CTEs), run in autocommit:
    one round trip, no BEGIN or COMMIT, all of it or nothing as a transaction would be.

    With `claim`, the Telegram update's number is claimed (`deliveries`) and the conversation
    written only when the claim is new; with `rating`, the user's open assessment is rated
    (`RecordRating`), and nothing is written when none is open. The row says what happened:
    `version` (None: nothing written), `claimed` (the claim was stored), `taken` (an earlier
    delivery holds the claim), `assessment_id` (the open assessment, None: none), `fresh` (the
    stored version is the expected one).
    """
    c, a, r = _conversations, _assessments, _ratings
    user = param(c.c.user_id)
    ctes: list[Any] = []
    guard: list[Any] = [c.c.user_id == user, c.c.version == param(c.c.version, "expected")]
    columns: list[Any] = []
    open_id = None
    if rating:
        open_cte = (
            select(func.max(a.c.id).label("id"))
            .where(a.c.user_id == user, a.c.completed_at.is_(None))
            .cte("open_assessment")
        )
        open_id = select(open_cte.c.id).scalar_subquery()
        guard.append(open_id.is_not(None))
        columns.append(open_id.label("assessment_id"))
    if claim:
        h = _handled_updates()
        number = param(h.c.update_id)
        values = select(number, param(h.c.handled_at))
        if open_id is not None:
            values = values.where(open_id.is_not(None))
        claimed_cte = (
            postgresql.insert(h)
            .from_select(["update_id", "handled_at"], values)
            .on_conflict_do_nothing(index_elements=[h.c.update_id])
            .returning(h.c.update_id)
            .cte("claimed")
        )
        guard.append(select(claimed_cte.c.update_id).exists())
        columns.append(select(claimed_cte.c.update_id).exists().label("claimed"))
        columns.append(select(h.c.update_id).where(h.c.update_id == number).exists().label("taken"))
    names = ["flow", "step", "payload", "updated_at"]
    written = (
        update(c)
        .where(*guard)
        .values(**params(c, *names), version=c.c.version + 1)
        .returning(c.c.version)
        .cte("written")
    )
    if rating:
        assert open_id is not None
        rated = postgresql.insert(r).from_select(
            ["assessment_id", "domain_id", "range_id", "level", "note", "rated_at"],
            select(
                open_id,
                param(r.c.domain_id),
                param(r.c.range_id),
                param(r.c.level),
                param(r.c.note),
                param(c.c.updated_at),
            ).select_from(written),
        )
        ctes.append(
            rated.on_conflict_do_update(
                index_elements=[r.c.assessment_id, r.c.domain_id, r.c.range_id],
                set_={name: rated.excluded[name] for name in RATED},
            ).cte("rated")
        )
    fresh = select(c.c.user_id).where(
        c.c.user_id == user, c.c.version == param(c.c.version, "expected")
    )
    stmt = select(
        select(written.c.version).scalar_subquery().label("version"),
        *columns,
        fresh.exists().label("fresh"),
    )
    if ctes:
        stmt = stmt.add_cte(*ctes)
    return built_once(stmt)


def _handled_updates() -> Table:
    from bot.storage.models import HandledUpdate

    return HandledUpdate.__table__  # type: ignore[return-value]
