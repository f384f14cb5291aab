"""Deploy-time proofs of the Wams bundle (issue 15): the soundness of every process and the privacy
invariants, as `wams validate`, a deploy and the designer's check run them.

proof_ms_wams      the proofs of the whole bundle (workflows/ with its forms), median of 20 runs;
                   target ≤ 2,000 ms
validate_ms_wams   the whole validation for comparison (XSD, parser, every check and the proofs)
proof_states_wams  states explored over all processes (how much the proof had to look at)
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import BenchEnv
from engine.bpmn.parser import BPMN_NS, normalize_tree
from engine.bpmn.xml import parse_untrusted
from engine.definitions.analysis import analyze, form_schemas, special_categories
from engine.definitions.bpmn_checks import BpmnContext, ProcessInfo, check_bpmn
from engine.definitions.bundle import Bundle
from engine.definitions.privacy_proofs import check_privacy
from engine.definitions.soundness import check_soundness
from engine.definitions.state_space import explore
from engine.definitions.workflow_net import build_net

RUNS = 20
REPO = Path(__file__).resolve().parent.parent


def run(env: BenchEnv) -> dict[str, Any]:
    bundle = Bundle.from_directory(REPO / "workflows", REPO / "forms")
    roots = {}
    processes: dict[str, ProcessInfo] = {}
    context = BpmnContext(form_keys=set(), settings_keys=set(), legal_grounds=None, form_problems={})
    for path in bundle.paths("bpmn"):
        root = parse_untrusted(bundle.files[path], path, 10 * 1024 * 1024).getroot()
        normalize_tree(root, path)
        roots[path] = root
        processes.update({p.process_id: p for p in check_bpmn(path, root, context)[1]})
    forms, special = form_schemas(bundle), special_categories(bundle)

    def prove() -> int:
        issues = [i for path, root in roots.items() for i in check_soundness(path, root)]
        issues += check_privacy(roots, processes, forms, special, "parties.yaml" in bundle.files)
        return len(issues)

    proof_ms, validate_ms = [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        assert prove() == 0, "the Wams bundle must be proven"
        proof_ms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        assert analyze(bundle).ok
        validate_ms.append((time.perf_counter() - began) * 1000)
    nets = [build_net(p) for root in roots.values() for p in root.iter(f"{{{BPMN_NS}}}process")]
    states = sum(len(explore(net).states) for net in nets)
    return {
        "proof_ms_wams": round(statistics.median(proof_ms), 1),
        "validate_ms_wams": round(statistics.median(validate_ms), 1),
        "proof_states_wams": states,
    }
