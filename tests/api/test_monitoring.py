"""Monitoring over HTTP: indicators per period and bottlenecks per BPMN element, JSON and CSV."""

from __future__ import annotations

import csv
import io

from engine.roles import Role
from tests.api.conftest import start_case, start_three


def _complete_intake(api, procedure_id, data):
    [task] = api.get(f"/api/v1/tasks?scope=all&procedure_id={procedure_id}", as_=Role.MELDPUNT).get_json()[
        "items"
    ]
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", as_=Role.MELDPUNT, json={"data": data})
    assert response.status_code == 200, response.get_json()


def test_indicators_for_a_period(api, clock):
    first = start_case(api)
    second = start_case(api, ingang="eigen_verzoek")
    start_case(api, ingang="eigen_verzoek")
    _complete_intake(
        api,
        first["id"],
        {"clientondersteuning": "ja", "partijen": ["wijkteam", "ggz"], "domeinen": ["wonen"]},
    )
    _complete_intake(api, second["id"], {"clientondersteuning": "nee", "partijen": ["wijkteam"]})
    clock.advance(days=4)
    api.post(f"/api/v1/procedures/{second['id']}/cancel", as_=Role.COORDINATOR, json={"reason": "verhuisd"})
    response = api.get("/api/v1/monitoring/indicators", as_=Role.MANAGER)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["started"], body["ended"], body["running_at_end"]) == (3, 1, 2)
    assert body["ingang"] == {"eigen_verzoek": 2, "professional": 1}
    assert body["duration_days_mean"] == body["duration_days_median"] == 4.0
    assert body["clientondersteuning"] == {"ja": 1, "nee": 1}
    assert body["parties"] == {"ggz": 1, "wijkteam": 2}
    assert body["domains"] == {"wonen": 1}
    assert body["complaints"] == 0
    # Another period holds none of it; the other municipality sees none of it.
    empty = api.get(
        "/api/v1/monitoring/indicators?start=2020-01-01&end=2020-12-31", as_=Role.MANAGER
    ).get_json()
    assert (empty["started"], empty["ended"], empty["duration_days_median"]) == (0, 0, None)
    other = api.get("/api/v1/monitoring/indicators", as_=Role.MANAGER, tenant="amersfoort").get_json()
    assert other["started"] == 0
    assert (
        api.get("/api/v1/monitoring/indicators?start=2027-02-01&end=2027-01-01", as_=Role.MANAGER).status_code
        == 422
    )
    rows = list(csv.reader(io.StringIO(api.get("/api/v1/monitoring/indicators.csv", as_=Role.MANAGER).text)))
    assert rows[0] == ["indicator", "category", "value"]
    assert ["started", "", "3"] in rows and ["ingang", "eigen_verzoek", "2"] in rows
    assert ["clientondersteuning", "ja", "1"] in rows


def test_bottlenecks_per_element(api, clock):
    start_three(api)
    clock.advance(days=3)
    start_three(api)
    clock.advance(hours=12)
    later = start_case(api)
    _complete_intake(api, later["id"], {"clientondersteuning": "ja"})
    response = api.get("/api/v1/monitoring/bottlenecks", as_=Role.MANAGER)
    assert response.status_code == 200, response.get_json()
    items = {i["element_id"]: i for i in response.get_json()["items"]}
    task_one = items["task_one"]
    assert (task_one["open"], task_one["overdue"]) == (2, 1)
    assert task_one["waiting_hours_median"] == (84 + 12) / 2
    assert task_one["waiting_hours_p90"] == 76.8  # 12 + (84 - 12) * 0.9, interpolated
    assert response.get_json()["items"][0]["element_id"] == "task_one"  # most overdue first
    assert (
        items["intake"]["open"],
        items["intake"]["completed_in_period"],
        items["intake"]["handling_hours_median"],
    ) == (
        0,
        1,
        0.0,
    )
    assert items["party_answer"]["open"] == 1
    response = api.get("/api/v1/monitoring/bottlenecks.csv", as_=Role.MANAGER)
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["element_id"]: r["open"] for r in rows}["task_one"] == "2"


def test_only_managers_monitor(api):
    for role in Role:
        expected = 200 if role == Role.MANAGER else 403
        assert api.get("/api/v1/monitoring/indicators", as_=role).status_code == expected, role
        assert api.get("/api/v1/monitoring/bottlenecks.csv", as_=role).status_code == expected, role


def test_csv_cells_cannot_become_formulas():
    from engine.monitoring.exports import _safe

    assert _safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _safe("wijkteam") == "wijkteam"


def test_indicators_per_period_as_json_and_csv_for_managers_of_the_municipality(api, clock):
    start_case(api)
    start_case(api, ingang="eigen_verzoek")
    year = clock.now().year
    query = f"start={year}-01-01&end={year}-12-31"
    one = api.get(f"/api/v1/monitoring/indicators?{query}", as_=Role.MANAGER).get_json()
    series = api.get(f"/api/v1/monitoring/indicators/series?{query}&per=quarter", as_=Role.MANAGER)
    assert series.status_code == 200, series.get_json()
    body = series.get_json()
    assert body["per"] == "quarter" and len(body["periods"]) == 4
    assert {d["key"] for d in body["definitions"]} >= {"started", "ingang", "consent", "parties"}
    started = [f["value"] for p in body["periods"] for f in p["figures"] if f["indicator"] == "started"]
    assert sum(started) == one["started"] == 2
    # The CSV holds the same figures as the JSON, period by period.
    rows = list(
        csv.DictReader(
            io.StringIO(
                api.get(
                    f"/api/v1/monitoring/indicators/series.csv?{query}&per=quarter", as_=Role.MANAGER
                ).text
            )
        )
    )
    assert {(r["period_start"][:10], r["indicator"], r["category"], r["value"]) for r in rows} == {
        (p["period_start"][:10], f["indicator"], f["category"], "" if f["value"] is None else str(f["value"]))
        for p in body["periods"]
        for f in p["figures"]
    }
    # Managers only; another municipality sees its own (none); a bad period size is refused.
    assert api.get(f"/api/v1/monitoring/indicators/series?{query}", as_=Role.COORDINATOR).status_code == 403
    assert api.get(f"/api/v1/monitoring/indicators/series.csv?{query}", as_=Role.MELDPUNT).status_code == 403
    other = api.get(f"/api/v1/monitoring/indicators/series?{query}", as_=Role.MANAGER, tenant="amersfoort")
    assert (
        sum(
            f["value"]
            for p in other.get_json()["periods"]
            for f in p["figures"]
            if f["indicator"] == "started"
        )
        == 0
    )
    assert (
        api.get(f"/api/v1/monitoring/indicators/series?{query}&per=week", as_=Role.MANAGER).status_code == 422
    )


def test_conformance_for_managers_only(api):
    start_three(api)
    found = api.get("/api/v1/monitoring/conformance?entry=three_tasks", as_=Role.MANAGER)
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert (body["procedures"], body["fitting"]) == (1, 1)
    assert body["variants"][0]["count"] == 1
    # Asked again: the same answer, now from the procedure's kept outcome.
    assert api.get("/api/v1/monitoring/conformance?entry=three_tasks", as_=Role.MANAGER).get_json() == body
    assert (
        api.get("/api/v1/monitoring/conformance?entry=three_tasks", as_=Role.COORDINATOR).status_code == 403
    )
    other = api.get("/api/v1/monitoring/conformance?entry=three_tasks", as_=Role.MANAGER, tenant="amersfoort")
    assert other.status_code == 200 and other.get_json()["procedures"] == 0


def test_the_command_line_exports_indicators_per_month(api, database_url, monkeypatch, tmp_path, clock):
    from click.testing import CliRunner

    from api.cli import main

    start_case(api)
    monkeypatch.setenv("WAMS_DATABASE_URL", database_url)
    monkeypatch.setenv("WAMS_INSTANCE_PATH", str(tmp_path))
    year = clock.now().year
    target = tmp_path / "out.json"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "indicators",
            "--tenant",
            "utrecht",
            "--start",
            f"{year}-01-01",
            "--end",
            f"{year}-12-31",
            "--format",
            "json",
            "--output",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["per"] == "month" and len(data["periods"]) == 12
    started = [f["value"] for p in data["periods"] for f in p["figures"] if f["indicator"] == "started"]
    assert sum(started) == 1
    as_csv = CliRunner().invoke(main, ["export", "indicators", "--tenant", "utrecht", "--per", "year"])
    assert as_csv.exit_code == 0 and as_csv.output.startswith("period_start,period_end,indicator,category")
