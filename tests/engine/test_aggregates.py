"""The monitoring aggregates computed in the database (engine.db.aggregates) give the same answer on
both backends: PostgreSQL's percentile_cont, and the aggregate SQLite gets on each connection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Float, column, literal, null, select, union_all

from engine.db.aggregates import percentile, seconds_between
from engine.db.base import UTCDateTime

SAMPLES = [
    ("a", 1.0),
    ("a", 2.0),
    ("a", 3.0),
    ("a", 4.0),
    ("a", None),  # ignored, as by percentile_cont
    ("b", 10.0),
    ("b", 0.0),
    ("c", 5.0),
    ("d", None),
]


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (0.5, {"a": 2.5, "b": 5.0, "c": 5.0, "d": None}),
        (0.9, {"a": 3.7, "b": 9.0, "c": 5.0, "d": None}),
        (0.0, {"a": 1.0, "b": 0.0, "c": 5.0, "d": None}),
        (1.0, {"a": 4.0, "b": 10.0, "c": 5.0, "d": None}),
    ],
)
def test_percentiles_interpolate_between_neighbours_per_group(db, fraction, expected):
    samples = union_all(
        *(
            select(literal(g).label("g"), (literal(x, Float) if x is not None else null()).label("x"))
            for g, x in SAMPLES
        )
    ).subquery()
    with db.engine.connect() as connection:
        found = dict(
            connection.execute(
                select(samples.c.g, percentile(samples.c.x, fraction)).group_by(samples.c.g)
            ).all()
        )
    assert found.keys() == expected.keys()
    for group, value in expected.items():
        assert found[group] == (pytest.approx(value) if value is not None else None), group


def test_a_percentile_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile(column("x", Float), 50)


def test_seconds_between_two_stored_moments(db):
    earlier = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    later = earlier + timedelta(days=1, hours=1, minutes=1, seconds=1.5)
    with db.engine.connect() as connection:
        forward, backward = connection.execute(
            select(
                seconds_between(literal(later, UTCDateTime), literal(earlier, UTCDateTime)),
                seconds_between(literal(earlier, UTCDateTime), literal(later, UTCDateTime)),
            )
        ).one()
    assert forward == pytest.approx(90061.5, abs=0.01)
    assert backward == pytest.approx(-90061.5, abs=0.01)
