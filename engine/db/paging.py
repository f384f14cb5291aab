"""Filtering and paging of list queries (inbox, procedures, processing log): the same few steps in
each, so they live here once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

# Any select, whatever it returns (Select is generic over its row's types).
AnySelect = Select[*tuple[Any, ...]]
Q = TypeVar("Q", bound=AnySelect)


def clamp_page(page: int, page_size: int, maximum: int) -> tuple[int, int]:
    """A page number from 1 and a page size from 1 to `maximum`."""
    return max(1, page), max(1, min(page_size, maximum))


def where_equal(query: Q, pairs: Iterable[tuple[ColumnElement[Any] | Any, Any]]) -> Q:
    """`column = value` for each pair whose value is given (None: no filter)."""
    for column, value in pairs:
        if value is not None:
            query = query.where(column == value)
    return query


def count_rows(session: Session, query: AnySelect) -> int:
    """How many rows the query finds, ignoring its order."""
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def one_page(query: Q, page: int, page_size: int) -> Q:
    return query.limit(page_size).offset((page - 1) * page_size)
