from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.base import Base, JSONType, UTCDateTime


class ProcessDefinition(Base):
    """One immutable, numbered version of an entry process for one tenant."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "process_id", "version"),
        UniqueConstraint("tenant_id", "process_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))
    # The parsed specs (entry process and every process it calls or continues into), serialized once
    # per version; instance states never carry them.
    spec_json: Mapped[str] = mapped_column(Text)
    # settings.yaml and legal-grounds.yaml of the bundle, and a summary of the user tasks.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    legal_grounds: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # parties.yaml of the bundle: party code → name, domain and flags (read by `party(code)`).
    parties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, server_default="{}")

    files: Mapped[list[DefinitionFile]] = relationship(
        back_populates="definition", cascade="all, delete-orphan", order_by="DefinitionFile.path"
    )


class DefinitionFile(Base):
    __tablename__ = "definition_files"
    __table_args__ = (UniqueConstraint("definition_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    # Relative path inside the bundle, e.g. "wams_procedure.bpmn" or "forms/melding.json".
    path: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)

    definition: Mapped[ProcessDefinition] = relationship(back_populates="files")
