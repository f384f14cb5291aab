"""National scale: a shared service centre's database (issue 18). Procedures and task rows across 50
municipalities, bulk loaded on the server (INSERT … SELECT generate_series, not through the API);
then the manager dashboard's queries for one municipality (`dashboard_ms`), one year of indicators
(`indicators_ms`), one year of practice against the model (`conformance_first_ms` replays and keeps
every procedure's outcome, `conformance_ms` is a repeat view) and an XES export of one municipality
(`export_xes_events_per_s`, `export_peak_rss_mb` measured in a subprocess), with the index use of
every query's plan.

`make bench` runs the full scale (`bench/scale.py`: 1,000,000 procedures, 10,000,000 task rows; its
figures carry the suffix `_1m`). Loading took 138–162 s on an idle 2-core machine (91–97 s of it
building the indexes), 249 s at a load average of 4 and up to eight minutes on a busier one.
`python -m bench national` runs a tenth (100,000 procedures, suffix `_100k`, about 40 s of loading) for
a quick look. The XES export
always covers 1,000,000 events (one municipality's timeline, generated for it alone).

The data live in their own database (`wams_bench_national…`), dropped afterwards.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bench.common import BenchEnv, median_ms, settle_postgres
from engine.access import Actor
from engine.clock import FrozenClock
from engine.config import Settings
from engine.db.session import connect
from engine.definitions.bundle import Bundle
from engine.definitions.service import deploy
from engine.monitoring.conformance import conformance
from engine.monitoring.dashboard import dashboard
from engine.monitoring.service import bottlenecks, indicators
from engine.roles import Role
from engine.services import Services, build_services
from engine.tenancy import ensure_tenant

REPO = Path(__file__).resolve().parents[1]
TENANTS = 50
TASKS_PER_PROCEDURE = 10
EXPORT_EVENTS = 1_000_000
NOW = datetime(2027, 1, 1, 9, tzinfo=UTC)
FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 3 * 365  # procedures start over three years before NOW
TABLES = (
    "process_instances",
    "procedures",
    "tasks",
    "data_subjects",
    "procedure_indicators",
    "process_events",
)
PHASES = "ARRAY['melding','beoordeling','onderzoek','besluit','aanpak','evaluatie']"
INGANG = "ARRAY['client_verzoek','professional','eigen_verzoek','melding_derde']"
TASK_TYPES = "ARRAY['task_opened','task_assigned','task_claimed','task_released','task_completed']"


def tenant_id(n: int) -> str:
    return f"gemeente{n:02d}"


def _services(url: str, env: BenchEnv) -> Services:
    settings = Settings.from_env({}, env="test", database_url=url, instance_path=env.workdir)
    return build_services(settings, database=connect(url, pool_size=2), clock=FrozenClock(NOW))


def _prepare(services: Services) -> int:
    with services.uow() as uow:
        for n in range(1, TENANTS + 1):
            ensure_tenant(uow, tenant_id(n), f"Gemeente {n}")
        uow.commit()
    bundle = Bundle.from_directory(REPO / "workflows", REPO / "forms")
    deploy(services.uow(), tenant_id(1), bundle, "bench", max_xml_bytes=2**22)
    with services.uow(readonly=True) as uow:
        return int(uow.session.execute(text("SELECT min(id) FROM process_definitions")).scalar_one())


def _load(url: str, procedures: int, definition: int) -> dict[str, float]:
    """The bulk load, on the server. Secondary indexes are dropped first and built again afterwards
    (as after any large import: one sort per index instead of ten million scattered inserts);
    foreign-key triggers are off for the load's session (the rows are made consistent by
    construction). Ids are generated in order, for the same reason."""
    seconds: dict[str, float] = {}
    per_tenant = procedures // TENANTS
    tasks = procedures * TASKS_PER_PROCEDURE
    # Municipality 1's timeline holds EXPORT_EVENTS events at every scale: its tasks' lifecycles
    # (opened, assigned, claimed, released, completed), repeated as rework where it has few tasks.
    per_task = -(-EXPORT_EVENTS // (per_tenant * TASKS_PER_PROCEDURE))
    export_tasks = EXPORT_EVENTS // per_task
    params = {"definition": definition, "per_tenant": per_tenant, "procedures": procedures, "now": NOW}
    params |= {"first": FIRST_DAY, "days": DAYS, "tasks": tasks, "export_tasks": export_tasks}
    params["per_task"] = per_task
    engine = connect(url).engine
    with engine.begin() as connection:
        indexes = connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                "AND tablename = ANY(:tables) AND indexname NOT LIKE '%pkey'"
                " AND indexdef NOT LIKE 'CREATE UNIQUE%'"
            ),
            {"tables": list(TABLES)},
        ).all()
        for name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
    steps = [
        (
            "process_instances",
            # Procedure p (1…N): municipality 1 + (p-1) % 50, started in order over the three years (as
            # a shared service centre's rows lie: the municipalities' interleaved); n = p / 50 counts
            # within the municipality: 15% open, 3% suspended, the rest ended 5 to 250 days later.
            """
            INSERT INTO process_instances (id, tenant_id, definition_id, current_process_id, segment, status,
                current_steps, started_at, started_by, updated_at, ended_at, version, state)
            SELECT lpad(to_hex(p), 32, '0')::uuid, 'gemeente' || lpad((1 + (p - 1) % 50)::text, 2, '0'),
                :definition, 'wams_procedure', 1,
                CASE WHEN (p / 50) % 100 < 18 THEN 'running' ELSE 'completed' END, '[]'::jsonb,
                :first + ((p - 1)::bigint * :days * 86400 / :procedures) * interval '1 second', 'bench',
                :now, NULL, 1, ''
            FROM generate_series(1, :procedures) AS p
            """,
        ),
        (
            "procedures",
            """
            INSERT INTO procedures (id, tenant_id, reference, process_id, status, phase, ingang, coordinator,
                started_at, started_by, ended_at, outcome, stop_reason, scope_exclusions)
            SELECT id, tenant_id, 'B-' || substr(id::text, 25, 12), 'wams_procedure',
                CASE WHEN n % 100 < 15 THEN 'open' WHEN n % 100 < 18 THEN 'suspended' ELSE 'closed' END,
                ("""
            + PHASES
            + """)[1 + n % 6], ("""
            + INGANG
            + """)[1 + n % 4],
                'coordinator' || (n % 20) || '.' || tenant_id, started_at, 'bench',
                CASE WHEN n % 100 < 18 THEN NULL
                     ELSE least(started_at + (5 + n % 245) * interval '1 day', :now - interval '1 hour') END,
                CASE WHEN n % 100 < 18 THEN NULL ELSE 'afgerond' END, NULL, '{}'::jsonb
            FROM (SELECT id, tenant_id, started_at,
                         ('x' || substr(id::text, 25, 12))::bit(48)::bigint / 50 AS n
                  FROM process_instances) AS i
            """,
        ),
        (
            "tasks",
            # Ten task rows per procedure: done ones completed a day apart; of a running procedure the
            # last one is open (a fifth of those overdue) and owned by its coordinator.
            """
            INSERT INTO tasks (id, tenant_id, instance_id, definition_id, process_id, element_id, name, role,
                assignee, party, subject, status, kind, created_at, due_at, claimed_by, completed_by,
                completed_at, properties, context)
            SELECT lpad(to_hex(:procedures + (pr.p - 1) * 10 + t), 32, '0')::uuid, pr.tenant_id, pr.id,
                :definition, CASE WHEN t IN (4, 5) THEN 'wams_informatieverzoek' ELSE 'wams_procedure' END,
                'task_' || t, 'Stap ' || t,
                CASE WHEN t IN (4, 5) THEN 'party_contact' ELSE 'coordinator' END,
                CASE WHEN t = 10 AND pr.ended_at IS NULL THEN pr.coordinator END,
                CASE WHEN t IN (4, 5) THEN 'partij' || (pr.n % 7) END, 'client',
                CASE WHEN t = 10 AND pr.ended_at IS NULL THEN 'open' ELSE 'completed' END, 'user',
                pr.started_at + (t - 1) * interval '1 day',
                CASE WHEN t = 10 AND pr.ended_at IS NULL AND pr.n % 5 <> 0 THEN :now + interval '7 days'
                     ELSE pr.started_at + (t + 13) * interval '1 day' END,
                CASE WHEN t = 10 AND pr.ended_at IS NULL THEN pr.coordinator END,
                CASE WHEN t = 10 AND pr.ended_at IS NULL THEN NULL ELSE pr.coordinator END,
                CASE WHEN t = 10 AND pr.ended_at IS NULL THEN NULL
                     ELSE pr.started_at + t * interval '1 day' END,
                '{}'::jsonb, '{}'::jsonb
            FROM (SELECT id, tenant_id, started_at, ended_at, coordinator,
                         ('x' || substr(id::text, 25, 12))::bit(48)::bigint AS p,
                         ('x' || substr(id::text, 25, 12))::bit(48)::bigint / 50 AS n FROM procedures) AS pr
            CROSS JOIN generate_series(1, 10) AS t
            """,
        ),
        (
            "procedure_indicators",
            """
            INSERT INTO procedure_indicators (tenant_id, procedure_id, key, value, recorded_at)
            SELECT tenant_id, id, k.key,
                CASE k.key
                    WHEN 'clientondersteuning'
                        THEN to_jsonb((ARRAY['ja', 'nee'])[1 + (hashtext(id::text) & 1)])
                    ELSE jsonb_build_array('wijkteam', 'ggz') END,
                started_at + interval '2 days'
            FROM procedures CROSS JOIN (VALUES ('clientondersteuning'), ('betrokken_partijen')) AS k(key)
            """,
        ),
        (
            "data_subjects",
            # The client and one household member of every procedure of municipality 1 (the export).
            """
            INSERT INTO data_subjects (id, tenant_id, procedure_id, key, kind, pseudonym, participation,
                label)
            SELECT gen_random_uuid(), tenant_id, id, s.key, s.kind, md5(id::text || s.key), 'included', s.key
            FROM procedures
            CROSS JOIN (VALUES ('client', 'client'), ('lid-1', 'household_member')) AS s(key, kind)
            WHERE tenant_id = 'gemeente01'
            """,
        ),
        (
            "process_events",
            # Municipality 1's timeline: `per_task` events for each of its first `export_tasks` tasks.
            f"""
            INSERT INTO process_events (tenant_id, instance_id, task_id, process_id, element_id, type,
                actor, at, segment, party, subject)
            SELECT t.tenant_id, t.instance_id, t.id, t.process_id, t.element_id,
                ({TASK_TYPES})[1 + (e - 1) % 5], t.completed_by, t.created_at + e * interval '1 minute', 1,
                t.party, t.subject
            FROM (SELECT * FROM tasks WHERE tenant_id = 'gemeente01' ORDER BY id LIMIT :export_tasks) AS t
            CROSS JOIN generate_series(1, :per_task) AS e
            ORDER BY t.instance_id, t.id, e
            """,
        ),
    ]
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        for table, sql in steps:
            began = time.perf_counter()
            connection.execute(text(sql), params)
            seconds[f"load_{table}_s"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        for _, definition_sql in indexes:
            connection.execute(text(definition_sql))
        seconds["load_indexes_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        for table in TABLES:
            connection.execute(text(f"VACUUM ANALYZE {table}"))
        seconds["load_vacuum_analyze_s"] = round(time.perf_counter() - began, 1)
    engine.dispose()
    return seconds


INDEX_SCAN = re.compile(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\w+)")


class Plans:
    """Every SELECT a measured call sends, EXPLAINed afterwards: which indexes it reads and whether
    a table is read whole (a sequential scan)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def record(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not many:
            self.statements.append((statement, parameters))

    def explain(self, services: Services) -> list[dict[str, Any]]:
        found = []
        raw = services.database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in self.statements:
                cursor.execute("EXPLAIN " + statement, parameters)
                plan = "\n".join(r[0] for r in cursor.fetchall())
                found.append(
                    {
                        "query": " ".join(statement.split())[:90],
                        "indexes": sorted(
                            set(
                                re.findall(
                                    r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?"
                                    r"(?:using|on) (\w+)",
                                    plan,
                                )
                            )
                        ),
                        "seq_scans": sorted(set(re.findall(r"Seq Scan on (\w+)", plan))),
                    }
                )
        finally:
            raw.close()
        return found


def _measure(services: Services, repeat: int) -> dict[str, Any]:
    manager = Actor("manager.gemeente02", tenant_id(2), frozenset({Role.MANAGER}))
    year = (NOW - timedelta(days=365), NOW)
    calls = {
        "dashboard": lambda: dashboard(services.uow(readonly=True), manager, *year),
        "bottlenecks": lambda: bottlenecks(services.uow(readonly=True), manager),
        "indicators": lambda: indicators(services.uow(readonly=True), manager, *year),
    }
    figures: dict[str, Any] = {}
    for name, call in calls.items():
        call()  # warm: caches, the planner's statistics in this connection
        samples = []
        for _ in range(repeat):
            began = time.perf_counter()
            call()
            samples.append(time.perf_counter() - began)
        figures[name] = median_ms(samples)
        # The fastest run too: on a shared machine the median carries other people's load.
        figures[f"{name}_best"] = round(min(samples) * 1000, 1)
        plans = Plans()
        event.listen(services.database.engine, "before_cursor_execute", plans.record)
        try:
            call()
        finally:
            event.remove(services.database.engine, "before_cursor_execute", plans.record)
        figures[f"{name}_plans"] = plans.explain(services)
    return figures


def _conformance(services: Services) -> dict[str, Any]:
    """Practice against the model for municipality 1 (the one whose timeline is generated), one year:
    the first view replays every procedure and keeps its outcome, a repeat view reads them back."""
    manager = Actor("manager.gemeente01", tenant_id(1), frozenset({Role.MANAGER}))
    year = (NOW - timedelta(days=365), NOW)

    def view() -> Any:
        return conformance(services.uow(readonly=True), manager, "wams_procedure", *year, keep=services.uow())

    began = time.perf_counter()
    first = view()
    first_ms = round((time.perf_counter() - began) * 1000, 1)
    samples = []
    for _ in range(5):
        began = time.perf_counter()
        view()
        samples.append(time.perf_counter() - began)
    return {
        "conformance_first_ms": first_ms,
        "conformance_ms": median_ms(samples),
        "procedures": first.procedures,
    }


def _export(url: str, env: BenchEnv) -> dict[str, Any]:
    """The XES export of municipality 1 (1,000,000 events) in a subprocess of its own, so its peak
    resident memory is the export's and not this process's."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.export_probe", url, tenant_id(1), str(env.workdir)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_scale(env: BenchEnv, procedures: int, suffix: str, name: str) -> dict[str, Any]:
    url = env.postgres_url(name)
    if url is None:
        return {"skipped": "no PostgreSQL server answered"}
    services = _services(url, env)
    definition = _prepare(services)
    began = time.perf_counter()
    figures: dict[str, Any] = {"procedures": procedures, "task_rows": procedures * TASKS_PER_PROCEDURE}
    figures |= _load(url, procedures, definition)
    figures[f"load_seconds{suffix}"] = round(time.perf_counter() - began, 1)
    settle_postgres(url)
    measured = _measure(services, repeat=7)
    figures[f"dashboard_ms{suffix}"] = round(measured["dashboard"] + measured["bottlenecks"], 1)
    figures[f"dashboard_overview_ms{suffix}"] = measured["dashboard"]
    figures[f"dashboard_heatmap_ms{suffix}"] = measured["bottlenecks"]
    figures[f"indicators_ms{suffix}"] = measured["indicators"]
    best = measured["dashboard_best"] + measured["bottlenecks_best"]
    figures[f"dashboard_ms{suffix}_best"] = round(best, 1)
    figures[f"indicators_ms{suffix}_best"] = measured["indicators_best"]
    kept = _conformance(services)
    figures[f"conformance_first_ms{suffix}"] = kept["conformance_first_ms"]
    figures[f"conformance_ms{suffix}"] = kept["conformance_ms"]
    figures[f"conformance_procedures{suffix}"] = kept["procedures"]
    export = _export(url, env)
    figures[f"export_xes_events{suffix}"] = export["events"]
    figures["export_xes_events_per_s"] = export["events_per_s"]
    figures["export_peak_rss_mb"] = export["peak_rss_mb"]
    figures["export_processing_log_s"] = export["log_s"]
    figures["dashboard_meets_target"] = figures[f"dashboard_ms{suffix}"] <= 300
    figures["indicators_meet_target"] = figures[f"indicators_ms{suffix}"] <= 500
    figures["export_meets_target"] = figures["export_peak_rss_mb"] <= 200
    figures["seq_scans"] = sorted(
        {
            table
            for key in ("dashboard_plans", "bottlenecks_plans", "indicators_plans")
            for plan in measured[key]
            for table in plan["seq_scans"]
        }
    )
    for key in ("dashboard_plans", "bottlenecks_plans", "indicators_plans"):
        for plan in measured[key]:
            print(f"  plan {key[:-6]}: {plan['query']}", file=sys.stderr)
            print(
                f"    indexes {plan['indexes'] or '-'}; seq scans {plan['seq_scans'] or '-'}", file=sys.stderr
            )
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    services.database.dispose()
    return figures


def run(env: BenchEnv) -> dict[str, Any]:
    return measure_scale(env, 100_000, "_100k", "national")
