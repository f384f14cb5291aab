"""Process definitions over HTTP: list with versions, upload → validate → deploy, validation issues
with file, element and line, download a version's BPMN, the start form."""

from __future__ import annotations

import io
import zipfile

from engine.roles import Role
from tests.factories import FIXTURES, bpmn_document


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def _bundle_files(name: str) -> dict[str, bytes]:
    root = FIXTURES / "bundles" / name
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _upload(
    api,
    files: dict[str, bytes],
    filename: str = "bundle.zip",
    path: str = "/api/v1/process-definitions",
    **kw,
):
    return api.post(
        path,
        as_=kw.pop("as_", Role.PROCESS_DESIGNER),
        data={"file": (_zip(files), filename)},
        content_type="multipart/form-data",
        **kw,
    )


def test_list_shows_each_process_with_its_versions(api):
    response = api.get("/api/v1/process-definitions", as_=Role.PROCESS_DESIGNER)
    assert response.status_code == 200
    listed = {p["process_id"]: p for p in response.get_json()}
    assert set(listed) == {"three_tasks", "api_case"}
    assert listed["three_tasks"]["latest_version"] == 1
    assert [v["version"] for v in listed["three_tasks"]["versions"]] == [1]


def test_upload_deploys_a_new_version_and_same_content_is_the_same_version(api):
    files = _bundle_files("three_tasks")
    same = _upload(api, files)
    assert same.status_code == 201, same.get_json()
    assert same.get_json()["deployments"] == [
        {
            "id": same.get_json()["deployments"][0]["id"],
            "process_id": "three_tasks",
            "version": 1,
            "created": False,
        }
    ]
    changed = dict(files)
    changed["three_tasks.bpmn"] = files["three_tasks.bpmn"].replace(b'name="Eerste stap"', b'name="Stap 1"')
    deployed = _upload(api, changed)
    assert deployed.status_code == 201
    [deployment] = deployed.get_json()["deployments"]
    assert (deployment["version"], deployment["created"]) == (2, True)
    listed = {p["process_id"]: p for p in api.get("/api/v1/process-definitions", as_=Role.MANAGER).get_json()}
    assert [v["version"] for v in listed["three_tasks"]["versions"]] == [2, 1]
    assert listed["three_tasks"]["versions"][0]["created_by"] == "process_designer.utrecht"


def test_an_upload_is_analysed_once(api, monkeypatch):
    """The analysis (parsing, soundness, proofs) is the cost of a deployment: the one the upload was
    checked with is the one deployed from, not a second run of it."""
    from engine.definitions import service

    runs = []
    analyze = service.analyze

    def counted(*args, **kwargs):
        runs.append(1)
        return analyze(*args, **kwargs)

    monkeypatch.setattr(service, "analyze", counted)
    files = _bundle_files("three_tasks")
    files["three_tasks.bpmn"] = files["three_tasks.bpmn"].replace(b'name="Eerste stap"', b'name="Stap 1"')
    deployed = _upload(api, files)
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["deployments"][0]["created"] is True
    assert len(runs) == 1


def test_one_edited_bpmn_file_is_completed_with_the_deployed_forms(api):
    bpmn = _bundle_files("three_tasks")["three_tasks.bpmn"].replace(
        b'name="Derde stap"', b'name="Laatste stap"'
    )
    response = api.post(
        "/api/v1/process-definitions",
        as_=Role.PROCESS_DESIGNER,
        data={"file": (io.BytesIO(bpmn), "three_tasks.bpmn")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["deployments"][0]["version"] == 2


def test_validation_errors_list_file_element_line_and_message(api):
    broken = bpmn_document(
        """
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="b"/>
    <bpmn:endEvent id="a"/>
    <bpmn:endEvent id="b"/>""",
        process_id="broken",
    )
    response = _upload(api, {"broken.bpmn": broken.encode()})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "invalid_process_model"
    assert body["title"] == "Het procesmodel bevat fouten"
    issue = next(i for i in body["issues"] if i["element"] == "gw")
    assert issue["file"] == "broken.bpmn" and isinstance(issue["line"], int) and issue["message"]
    # The validate endpoint lists the same issues without deploying.
    checked = _upload(api, {"broken.bpmn": broken.encode()}, path="/api/v1/process-definitions/validate")
    assert checked.status_code == 200
    assert checked.get_json()["ok"] is False
    assert any(i["element"] == "gw" for i in checked.get_json()["issues"])
    assert {p["process_id"] for p in api.get("/api/v1/process-definitions", as_=Role.ADMIN).get_json()} == {
        "three_tasks",
        "api_case",
    }


def test_validate_a_good_bundle(api):
    response = _upload(api, _bundle_files("api_case"), path="/api/v1/process-definitions/validate")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert body["entries"] == [
        {
            "process_id": "api_case",
            "name": "API-casus",
            "files": [
                "api_case.bpmn",
                "forms/antwoord.json",
                "forms/intake.json",
                "forms/melding.json",
                "forms/plan.json",
            ],
            "user_tasks": 3,
        }
    ]


def test_uploads_that_are_no_bundle_are_refused(api):
    not_zip = api.post(
        "/api/v1/process-definitions",
        as_=Role.PROCESS_DESIGNER,
        data={"file": (io.BytesIO(b"hello"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert not_zip.status_code == 422 and not_zip.get_json()["issues"][0]["file"] == "notes.txt"
    unsafe = _upload(api, {"../evil.bpmn": b"<x/>"})
    assert unsafe.status_code == 422
    missing = api.post(
        "/api/v1/process-definitions", as_=Role.PROCESS_DESIGNER, data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "file"
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    assert _upload(api, {"x.bpmn": entity}).status_code == 422


def test_only_process_designers_deploy(api):
    for role in (Role.ADMIN, Role.MANAGER, Role.COORDINATOR):
        assert _upload(api, _bundle_files("three_tasks"), as_=role).status_code == 403


def test_version_detail_and_bpmn_download(api):
    detail = api.get("/api/v1/process-definitions/api_case/versions/1", as_=Role.PROCESS_DESIGNER)
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["process_id"] == "api_case" and body["version"] == 1
    assert {f["path"] for f in body["files"]} >= {"api_case.bpmn", "forms/melding.json"}
    assert body["summary"]["entry"] == "api_case"
    xml = api.get("/api/v1/process-definitions/api_case/versions/1/bpmn", as_=Role.PROCESS_DESIGNER)
    assert xml.status_code == 200
    assert xml.headers["Content-Type"].startswith("application/xml")
    assert xml.headers["Content-Disposition"] == 'attachment; filename="api_case.bpmn"'
    assert xml.data == (FIXTURES / "bundles" / "api_case" / "api_case.bpmn").read_bytes()
    assert (
        api.get("/api/v1/process-definitions/api_case/versions/2/bpmn", as_=Role.PROCESS_DESIGNER).status_code
        == 404
    )
    assert (
        api.get(
            "/api/v1/process-definitions/api_case/versions/1/bpmn?file=other.bpmn", as_=Role.PROCESS_DESIGNER
        ).status_code
        == 404
    )
    assert (
        api.get("/api/v1/process-definitions/nope/versions/1", as_=Role.PROCESS_DESIGNER).status_code == 404
    )


def test_start_form(api):
    response = api.get("/api/v1/process-definitions/api_case/start-form", as_=Role.MELDPUNT)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["process_id"], body["version"], body["form"]["key"]) == ("api_case", 1, "melding")
    assert body["form"]["ui"] == {"zorgen": {"widget": "textarea"}}
    without = api.get("/api/v1/process-definitions/three_tasks/start-form", as_=Role.MELDPUNT).get_json()
    assert without["form"] is None


def test_an_unsound_bundle_is_refused_with_the_reason(api):
    # Deploy-time proofs (docs/modelling.md, Proofs): an exclusive split closed by a parallel join.
    model = (FIXTURES / "proofs" / "xor_and_deadlock.bpmn").read_bytes()
    response = _upload(api, {"xor_and_deadlock.bpmn": model})
    assert response.status_code == 422
    issues = response.get_json()["issues"]
    assert [(i["element"], i["line"]) for i in issues] == [("join", 7)]
    assert "exclusive split split is closed by parallel join join" in issues[0]["message"]
    checked = _upload(api, {"xor_and_deadlock.bpmn": model}, path="/api/v1/process-definitions/validate")
    assert checked.get_json()["ok"] is False and checked.get_json()["issues"] == issues
