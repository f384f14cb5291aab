"""A bundle: the BPMN, DMN and YAML files of a deployment plus the forms they reference.

Paths inside a bundle are relative and use ``/``; forms live under ``forms/``. Bundles come from a
folder (the CLI, `make run`) or a zip upload (the API and the designer), which is read defensively:
limits on size and file count, no absolute paths or ``..``, only the file kinds we know.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import InvalidProcessModel, ModelIssue

MODEL_SUFFIXES = {".bpmn": "bpmn", ".dmn": "dmn", ".yaml": "yaml", ".yml": "yaml"}
MAX_FILES = 500
# JSON Schema forms and Camunda 8 form-js forms, wherever they lie in an upload.
FORM_SUFFIXES = {".json", ".form"}


@dataclass
class Bundle:
    files: dict[str, bytes] = field(default_factory=dict)

    def kind(self, path: str) -> str:
        if path.startswith("forms/") and path.endswith(".json"):
            return "form"
        if path.lower().endswith(".form"):
            return "formjs"  # Camunda 8 form-js; converted to a JSON Schema form (foreign_forms.py)
        return MODEL_SUFFIXES.get(PurePosixPath(path).suffix.lower(), "other")

    def paths(self, kind: str) -> list[str]:
        return sorted(p for p in self.files if self.kind(p) == kind)

    def form_path(self, form_key: str) -> str:
        key = form_key.strip()
        if key.startswith("forms/"):
            key = key[len("forms/") :]
        if not key.endswith(".json"):
            key += ".json"
        return f"forms/{key}"

    def has_form(self, form_key: str) -> bool:
        return self.form_path(form_key) in self.files

    @staticmethod
    def content_hash(files: Iterable[tuple[str, bytes]]) -> str:
        digest = hashlib.sha256()
        for path, content in sorted(files):
            digest.update(path.encode() + b"\0" + hashlib.sha256(content).digest())
        return digest.hexdigest()

    # --- constructors -------------------------------------------------------------------------

    @classmethod
    def from_directory(cls, path: Path, forms_path: Path | None = None) -> Bundle:
        """Models from `path` (recursively); forms from `forms_path`, or `path/forms` if it exists."""
        if path.is_file():
            bundle = cls({path.name: path.read_bytes()})
            base = path.parent
        else:
            bundle = cls()
            base = path
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path).as_posix()
                if any(part.startswith(".") for part in file.relative_to(path).parts):
                    continue  # hidden: e.g. .camunda/element-templates (the modelers' templates), not models
                if (
                    file.is_file()
                    and file.suffix.lower() in MODEL_SUFFIXES
                    and not relative.startswith("forms/")
                ):
                    bundle.files[relative] = file.read_bytes()
                elif (
                    file.is_file()
                    and file.suffix.lower() in {".json", ".form"}
                    and not relative.startswith("forms/")
                ):
                    bundle.files[f"forms/{file.name}"] = file.read_bytes()  # SpiffArena: form next to model
        forms_dir = forms_path or (base / "forms")
        if forms_dir.is_dir():
            for form in sorted([*forms_dir.glob("*.json"), *forms_dir.glob("*.form")]):
                bundle.files[f"forms/{form.name}"] = form.read_bytes()
        return bundle

    @classmethod
    def from_zip(cls, data: bytes, max_total_bytes: int, max_file_bytes: int) -> Bundle:
        issues: list[ModelIssue] = []
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise InvalidProcessModel(
                "the upload is not a zip file",
                [
                    ModelIssue(
                        file="(upload)", message="not a zip file", hint="upload a .zip, .bpmn or .dmn file"
                    )
                ],
            ) from None
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_FILES:
            raise InvalidProcessModel(
                "too many files",
                [ModelIssue(file="(upload)", message=f"{len(infos)} files; limit {MAX_FILES}")],
            )
        total = sum(i.file_size for i in infos)
        if total > max_total_bytes:
            raise InvalidProcessModel(
                "the upload is too large",
                [ModelIssue(file="(upload)", message=f"{total:,} bytes unpacked; limit {max_total_bytes:,}")],
            )
        bundle = cls()
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts:
                issues.append(
                    ModelIssue(file=name, message="unsafe path in the zip", hint="use relative paths")
                )
                continue
            if parts and parts[0].startswith("__MACOSX"):
                continue
            # A zip made of a folder has that folder as first component; keep paths from the models on.
            # SpiffArena keeps a task's JSON Schema next to its model (`form2.json`): a form all the same.
            is_form = (len(parts) > 1 and parts[-2] == "forms") or parts[-1].lower().endswith(
                (".json", ".form")
            )
            relative = f"forms/{parts[-1]}" if is_form else parts[-1]
            if bundle.kind(relative) == "other":
                continue
            if info.file_size > max_file_bytes:
                issues.append(
                    ModelIssue(file=relative, message=f"{info.file_size:,} bytes; limit {max_file_bytes:,}")
                )
                continue
            with archive.open(info) as handle:
                content = handle.read(max_file_bytes + 1)
            if len(content) > max_file_bytes:
                issues.append(ModelIssue(file=relative, message="file larger than it claims"))
                continue
            bundle.files[relative] = content
        if issues:
            raise InvalidProcessModel("the upload was refused", issues)
        return bundle

    @classmethod
    def from_upload(cls, filename: str, data: bytes, max_total_bytes: int, max_file_bytes: int) -> Bundle:
        if filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
            return cls.from_zip(data, max_total_bytes, max_file_bytes)
        name = PurePosixPath(filename.replace("\\", "/")).name or "upload.bpmn"
        if cls().kind(name) not in {"bpmn", "dmn"}:
            raise InvalidProcessModel(
                "unsupported file",
                [
                    ModelIssue(
                        file=name, message="not a .bpmn, .dmn or .zip file", hint="upload a model or a zip"
                    )
                ],
            )
        if len(data) > max_file_bytes:
            raise InvalidProcessModel(
                "the upload is too large",
                [ModelIssue(file=name, message=f"{len(data):,} bytes; limit {max_file_bytes:,}")],
            )
        return cls({name: data})

    def with_missing_from(self, other: Bundle) -> Bundle:
        """This bundle, completed with files of `other` it does not have (e.g. the current version's
        forms and DMN when a designer uploads one edited BPMN file)."""
        merged = dict(other.files)
        merged.update(self.files)
        return Bundle(merged)
