"""The hot path's statements run on the driver, compiled and typed once (SQLite, PostgreSQL).

The event loop's SQLite engine (`engine.create_loop_engine`) hands its transactions a
`DirectConnection`: a SQLAlchemy `Connection` whose `execute` runs a statement marked
`built_once` (the `statements` module's: built at import or by a cached builder, every value
given per call a `b_` bind parameter) straight on the sqlite3 connection. What SQLAlchemy
would do for it each time is done once per statement: the SQL string, the order of its
parameters, each parameter's and each result column's type conversion (UTC datetimes, JSON,
booleans), taken from the column types themselves (`TypeEngine.dialect_impl`'s bind and
result processors). Per execution what is left is binding the values, SQLite itself and
converting the rows, not SQLAlchemy's events, execution context and cursor result set-up.

On PostgreSQL the same plans run on asyncpg (`DirectConnection._run_asyncpg`): the SQL with
its `$n` parameters, prepared once per connection in the cache SQLAlchemy's asyncpg adapter
keeps, fetched in one round trip; BEGIN sent first as the adapter's cursor sends it; a driver
error translated and handled as SQLAlchemy handles it (a broken connection invalidated).

Anything else (a statement built per call, Python-side column defaults, execution options,
or a connection outside a transaction) goes through SQLAlchemy as before, on the same
connection and in the same transaction. So do transactions themselves: BEGIN (the engine's
listener), COMMIT and ROLLBACK, the pool's checkout. A driver error is raised as SQLAlchemy
raises it (`OperationalError` for a busy or read-only file, a disk I/O error...), and a
`before_cursor_execute` listener (the fault tests' hook) still sees every statement.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.util import await_

#: The drivers' parameter styles planned for: sqlite3's `?`, asyncpg's `$1` (each parameter
#: named once in `positiontup`, however often the SQL repeats it).
PARAMSTYLES = ("qmark", "numeric_dollar")

#: How many distinct statements are kept compiled (the hot path has a few dozen, and only
#: statements marked `built_once` are: past this many, the rest are compiled each time).
KEPT = 512

T = TypeVar("T")
Processor = Callable[[Any], Any] | None


class Plan:
    """A statement as the driver runs it: SQL, parameter names in order, conversions."""

    __slots__ = ("sql", "names", "binds", "constants", "row", "columns", "returns_rows")

    def __init__(self, compiled: Any, dialect: Dialect) -> None:
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        binds = {name: compiled.binds[name] for name in self.names}
        #: The values bound in the statement itself (e.g. the 1 of `version + 1`).
        self.constants = {
            name: bind.effective_value for name, bind in binds.items() if not name.startswith("b_")
        }
        self.binds: tuple[Processor, ...] = tuple(
            binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.names
        )
        result_columns = compiled._result_columns
        self.returns_rows = bool(result_columns)
        keys = [column[0] for column in result_columns]
        self.row: Any = _row_class(keys) if keys else None
        self.columns: tuple[Processor, ...] = tuple(
            column[3].dialect_impl(dialect).result_processor(dialect, None)
            for column in result_columns
        )


def _row_class(keys: list[str]) -> Any:
    """Rows as named tuples, with SQLAlchemy's `_mapping` (column name to value) too."""
    base = namedtuple("Row", keys)  # type: ignore[misc]  # noqa: PYI024

    def mapping(row: Any) -> dict[str, Any]:
        return dict(zip(row._fields, row, strict=True))

    return type("Row", (base,), {"__slots__": (), "_mapping": property(mapping)})


def built_once(statement: T) -> T:
    """Mark a statement built once (at import, or by a cached builder) for the driver path:
    its bound values are constants of it, every value per call a `b_` parameter."""
    return statement.execution_options(built_once=True)  # type: ignore[attr-defined, no-any-return]


def plan_for(statement: ClauseElement, dialect: Dialect) -> Plan | None:
    """The plan of a statement marked `built_once`, or None when it must go through
    SQLAlchemy: column defaults computed in Python, IN lists expanded per call, names a row
    cannot carry as attributes."""
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None
    if dialect.paramstyle not in PARAMSTYLES:
        return None
    if dialect.paramstyle == "qmark" and getattr(compiled, "_numeric_binds", False):
        return None
    if any(bind.expanding or bind.callable for bind in compiled.binds.values()):
        return None
    keys = [column[0] for column in compiled._result_columns]
    if len(set(keys)) != len(keys) or not all(k.isidentifier() and k[0] != "_" for k in keys):
        return None
    return Plan(compiled, dialect)


class Rows:
    """What `Connection.execute` returns, as far as the stores use it."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def all(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self.first()

    def one(self) -> Any:
        row = self.one_or_none()
        if row is None:
            raise NoResultFound("No row was found when one was required")
        return row

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]


#: dialect name -> statement -> its plan (None: through SQLAlchemy).
_plans: dict[str, dict[ClauseElement, Plan | None]] = {"sqlite": {}, "postgresql": {}}


class DirectConnection(Connection):
    """A `Connection` that runs planned statements on the driver's connection itself: sqlite3
    (the loop engine), or asyncpg (PostgreSQL's async engine: in its `run_sync` greenlet, each
    statement one awaited round trip, inside the transaction SQLAlchemy began)."""

    #: Whether a statement on this connection has been answered (`transactions`: a transaction
    #: whose first statement finds the connection broken has done nothing, and is tried again).
    answered = False

    def execute(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> Any:
        result = self._execute(statement, parameters, execution_options)
        self.answered = True
        return result

    def _execute(self, statement: Any, parameters: Any, execution_options: Any) -> Any:
        if execution_options or isinstance(parameters, list):
            return super().execute(statement, parameters, execution_options=execution_options)
        if self._transaction is None:
            if not self._on_asyncpg:
                return super().execute(statement, parameters, execution_options=execution_options)
            self._autobegin()  # as SQLAlchemy would (asyncpg's BEGIN comes with the statement)
        plans = _plans[self.dialect.name]
        try:
            plan = plans[statement]
        except KeyError:
            if not statement.get_execution_options().get("built_once"):
                return super().execute(statement, parameters, execution_options=execution_options)
            plan = plan_for(statement, self.dialect)
            if len(plans) < KEPT:
                plans[statement] = plan
        if plan is None:
            return super().execute(statement, parameters, execution_options=execution_options)
        if self._on_asyncpg:
            return self._run_asyncpg(plan, parameters or {})
        return self._run(plan, parameters or {})

    @property
    def _on_asyncpg(self) -> bool:
        return self.dialect.driver == "asyncpg"

    def _run(self, plan: Plan, parameters: dict[str, Any]) -> Rows:
        values = _values(plan, parameters)
        raw: Any = self._dbapi_connection.dbapi_connection  # type: ignore[union-attr]
        try:
            cursor = raw.cursor()
            if self._has_events or self.engine._has_events:
                self.dispatch.before_cursor_execute(
                    self, cursor, plan.sql, tuple(values), None, False
                )
            cursor.execute(plan.sql, values)
            fetched = cursor.fetchall() if plan.returns_rows else []
            rowcount = cursor.rowcount
            cursor.close()
        except sqlite3.Error as exc:  # as SQLAlchemy raises it: OperationalError etc.
            raise DBAPIError.instance(plan.sql, values, exc, sqlite3.Error) from exc
        return Rows(_converted(plan, fetched), rowcount)

    def _run_asyncpg(self, plan: Plan, parameters: dict[str, Any]) -> Rows:
        """The statement on the asyncpg connection, prepared once per connection (SQLAlchemy's
        adapter's own cache of prepared statements) and run in one round trip; BEGIN first when
        the adapter has not begun the transaction yet (not in autocommit), as its cursor does.
        A driver error is translated and handled as SQLAlchemy's own execution handles it:
        a broken connection is invalidated, and the error raised as `DBAPIError`."""
        values = _values(plan, parameters)
        adapted: Any = self._dbapi_connection.dbapi_connection  # type: ignore[union-attr]
        if self._has_events or self.engine._has_events:
            self.dispatch.before_cursor_execute(self, None, plan.sql, tuple(values), None, False)
        try:
            fetched, status = await_(_asyncpg_fetch(adapted, plan.sql, values, self.dialect))
        except TimeoutError as exc:
            # asyncpg's statement timeout (no answer: a partition) leaves its cancel request in
            # flight. Handed back to the pool as it is, the connection's next statement (not
            # pinged: `transactions`) would wait for that request with no time limit, and so
            # would closing it (below): it is dropped and invalidated here.
            adapted._connection.terminate()
            self.invalidate(exc)
            raise
        except Exception as exc:
            try:
                adapted._handle_exception(exc)  # raises it as the DB-API's error
            except adapted.dbapi.Error as translated:
                self._handle_dbapi_exception(translated, plan.sql, tuple(values), None, None)
            raise  # (not reached: the lines above raise)
        except BaseException as exc:
            # Cancelled (a transaction's time limit) with the statement in flight: the
            # connection is invalidated, not handed out again mid-statement, as SQLAlchemy does.
            # It is dropped at once first: SQLAlchemy closes an invalidated connection
            # gracefully, and asyncpg's close waits, with no time limit, for the cancel
            # request it sends for the statement in flight on a connection of its own; across
            # a partition that never comes back, and with the time limit spent nothing would
            # interrupt the wait.
            adapted._connection.terminate()
            self._handle_dbapi_exception(exc, plan.sql, tuple(values), None, None)
            raise
        rowcount = int(status.rpartition(" ")[2]) if status and status[-1].isdigit() else -1
        return Rows(_converted(plan, fetched), rowcount)


async def _asyncpg_fetch(
    adapted: Any, sql: str, values: list[Any], dialect: Any
) -> tuple[list[Any], str | None]:
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        prepared, _ = await adapted._prepare(sql, dialect._invalidate_schema_cache_asof)
        fetched = await prepared.fetch(*values)
        return fetched, prepared.get_statusmsg()


def _values(plan: Plan, parameters: dict[str, Any]) -> list[Any]:
    if plan.constants:
        parameters = {**plan.constants, **parameters}
    return [
        parameters[name] if convert is None else convert(parameters[name])
        for name, convert in zip(plan.names, plan.binds, strict=True)
    ]


def _converted(plan: Plan, fetched: Sequence[Any]) -> list[Any]:
    if not fetched:
        return []
    make, columns = plan.row._make, plan.columns
    if not any(columns):
        return [make(row) for row in fetched]
    return [
        make(
            [
                value if convert is None else convert(value)
                for convert, value in zip(columns, row, strict=True)
            ]
        )
        for row in fetched
    ]
