"""Password guessing, counted in the database: every worker process sees the same count, and a
restart forgets nothing. After `LOGIN_FAILURES_ALLOWED` failed logins for one name within
`LOGIN_WINDOW_SECONDS` of the first, that name is refused until the window has passed."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..errors import NotAuthenticated
from .models import LoginFailures

LOGIN_FAILURES_ALLOWED = 10
LOGIN_WINDOW_SECONDS = 900.0
WINDOW = timedelta(seconds=LOGIN_WINDOW_SECONDS)


class TooManyAttempts(NotAuthenticated):
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def name_key(username: str) -> str:
    return hashlib.sha256(username.encode("utf-8")).hexdigest()


def check(session: Session, username: str, now: datetime) -> bool:
    """Raise `TooManyAttempts` when the name is blocked; True when it has failures on record."""
    row = session.execute(
        select(LoginFailures.failures, LoginFailures.window_started_at).where(
            LoginFailures.name_hash == name_key(username)
        )
    ).first()
    if row is None:
        return False
    failures, started = row
    if started + WINDOW <= now:
        return True  # an old window: the next failure starts a new one, a success clears it
    if failures >= LOGIN_FAILURES_ALLOWED:
        wait = int((started + WINDOW - now).total_seconds()) + 1
        raise TooManyAttempts("too many failed logins; try again later", retry_after=wait)
    return True


def record_failure(session: Session, username: str, now: datetime) -> None:
    """Count one failure in one statement (an upsert), so concurrent workers never lose a count."""
    table = LoginFailures.__table__
    cutoff = now - WINDOW
    insert: Any = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    current = table.c.window_started_at > cutoff
    statement = (
        insert(table)
        .values(name_hash=name_key(username), failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.name_hash],
            set_={
                "failures": case((current, table.c.failures + 1), else_=1),
                "window_started_at": case((current, table.c.window_started_at), else_=now),
            },
        )
    )
    session.execute(statement)
    # Names nobody tried for a window are of no use any more (an index range, usually empty).
    session.execute(delete(LoginFailures).where(LoginFailures.window_started_at <= cutoff))


def clear(session: Session, username: str) -> None:
    session.execute(delete(LoginFailures).where(LoginFailures.name_hash == name_key(username)))
