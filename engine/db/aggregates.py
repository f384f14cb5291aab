"""Aggregates the monitoring queries compute in the database on both backends: seconds between two
timestamps and a continuous percentile (the median, p90).

Why in SQL: at a shared service centre's scale the dashboard would otherwise fetch tens of
thousands of task rows per request, and turning their timestamps into Python datetimes was most of
its time (bench/national.py). PostgreSQL has both natively (EXTRACT(EPOCH …), percentile_cont);
SQLite gets `julianday` arithmetic and a percentile aggregate registered on each connection.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

SQLITE_PERCENTILE = "wams_percentile"


class seconds_between(FunctionElement[float]):
    """`later - earlier` in seconds, as a float."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


@compiles(seconds_between)
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"
        " * 86400.0)"
    )


class percentile(FunctionElement[float]):
    """The continuous percentile `fraction` (0…1) of `expression` over the group, interpolating
    linearly between neighbours as PostgreSQL's percentile_cont does (the median of an even count
    is the mean of the middle two). NULLs are ignored; no values give NULL."""

    type = Float()
    inherit_cache = True
    name = "percentile"

    def __init__(self, expression: ColumnElement[Any], fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile's fraction lies between 0 and 1")
        self.fraction = float(fraction)
        super().__init__(expression)


@compiles(percentile, "postgresql")
def _percentile_postgresql(element: percentile, compiler: SQLCompiler, **kw: Any) -> str:
    [expression] = list(element.clauses)
    return (
        f"percentile_cont({element.fraction!r}) WITHIN GROUP (ORDER BY {compiler.process(expression, **kw)})"
    )


@compiles(percentile)
def _percentile_sqlite(element: percentile, compiler: SQLCompiler, **kw: Any) -> str:
    [expression] = list(element.clauses)
    return f"{SQLITE_PERCENTILE}({compiler.process(expression, **kw)}, {element.fraction!r})"


class _SqlitePercentile:
    """The SQLite side of `percentile`, registered per connection (engine.db.session)."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return interpolated_percentile(self.values, self.fraction)


def interpolated_percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def register_sqlite_aggregates(dbapi_connection: Any) -> None:
    dbapi_connection.create_aggregate(SQLITE_PERCENTILE, 2, _SqlitePercentile)
