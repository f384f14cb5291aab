"""Run every benchmark module and print its figures as JSON lines.

python -m bench                # all
python -m bench engine http    # some
python -m bench national       # the national scale at a tenth (quick; not in `make bench`)
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import BenchEnv

RESULTS = Path(__file__).parent / "results.json"
# Run only when named: `national` (the national scale at a tenth, for a quick look; `make bench` runs
# it at full size as `scale`) and the export probe (a subprocess of both).
OPT_IN = {"national", "export_probe"}


def main(argv: list[str]) -> int:
    names = argv or sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name not in {"common", "__main__", *OPT_IN}
    )
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    env = BenchEnv.create()
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            began = time.perf_counter()
            figures = module.run(env)
            figures["_seconds"] = round(time.perf_counter() - began, 1)
            results[name] = figures
            print(json.dumps({"bench": name, **figures}), flush=True)
    finally:
        env.close()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
