"""The national scale at full size, as issue 18 asks: 1,000,000 procedures and 10,000,000 task rows
across 50 municipalities (bench/national.py), in `make bench`. Two to four minutes of it is the bulk
load; `python -m bench national` runs a tenth of it for a quick look."""

from __future__ import annotations

from typing import Any

from bench.common import BenchEnv
from bench.national import measure_scale


def run(env: BenchEnv) -> dict[str, Any]:
    return measure_scale(env, 1_000_000, "_1m", "scale")
