"""Monitoring arithmetic: percentiles, how indicator values are counted, CSV safety."""

from __future__ import annotations

from engine.monitoring.exports import _safe
from engine.monitoring.service import _values


def test_indicator_values_are_flattened_and_named():
    assert list(_values(["wijkteam", ["ggz", None]])) == ["wijkteam", "ggz"]
    assert list(_values(True)) == ["ja"] and list(_values(False)) == ["nee"]
    assert list(_values("")) == [] and list(_values(3)) == ["3"]


def test_csv_cells_never_start_a_formula():
    for dangerous in ("=1+1", "+31", "-2", "@SUM(A1)"):
        assert _safe(dangerous).startswith("'")
    assert _safe(12) == 12
