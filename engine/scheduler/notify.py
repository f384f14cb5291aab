"""In-app notifications (rows) and e-mail (SMTP, when configured).

Notifications are written in the transaction that raises the escalation, so they exist exactly when
the escalation does. E-mail leaves only after that transaction committed (`uow.after_commit`); a mail
server that is down is logged and does not undo the escalation. Mails name the procedure and the
rule, never personal data.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select

from ..access import Actor
from ..config import Settings
from ..errors import NotFound
from ..runtime.outcome import Notice
from ..uow import UnitOfWork
from .models import Notification

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str


class Mailer:
    """Sends mail through the SMTP server in the settings (STARTTLS and login when a user is set)."""

    def __init__(self, settings: Settings, *, timeout: float = 10.0) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.user = settings.smtp_user
        self.password = settings.smtp_password
        self.sender = settings.smtp_sender
        self.timeout = timeout

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(mail.to)
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.user:
                smtp.starttls()
                smtp.login(self.user, self.password)
            smtp.send_message(message)

    def send_after_commit(self, uow: UnitOfWork, mail: Mail) -> None:
        def send() -> None:
            try:
                self.send(mail)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("e-mail %r to %s not sent: %s", mail.subject, ", ".join(mail.to), exc)

        if mail.to:
            uow.after_commit(send)


def mailer_for(settings: Settings) -> Mailer | None:
    return Mailer(settings) if settings.smtp_host else None


def notify(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    kind: str,
    title: str,
    body: str,
    recipients: list[str],
    roles: list[str],
    instance_id: uuid.UUID | None = None,
    escalation_id: uuid.UUID | None = None,
) -> list[Notification]:
    now = uow.now()
    rows = [
        Notification(
            tenant_id=tenant_id,
            recipient=recipient,
            role=None,
            kind=kind,
            title=title[:300],
            body=body,
            instance_id=instance_id,
            escalation_id=escalation_id,
            created_at=now,
        )
        for recipient in dict.fromkeys(r for r in recipients if r)
    ] + [
        Notification(
            tenant_id=tenant_id,
            recipient=None,
            role=role,
            kind=kind,
            title=title[:300],
            body=body,
            instance_id=instance_id,
            escalation_id=escalation_id,
            created_at=now,
        )
        for role in dict.fromkeys(roles)
    ]
    uow.session.add_all(rows)
    return rows


def write_notice(uow: UnitOfWork, notice: Notice) -> None:
    """Write what the runtime wants told (`Runtime(write_notice=…)`, wired in engine.services)."""
    notify(
        uow,
        tenant_id=notice.tenant_id,
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        recipients=list(notice.recipients),
        roles=list(notice.roles),
        instance_id=notice.instance_id,
    )


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    title: str
    body: str
    instance_id: uuid.UUID | None
    escalation_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None
    for_role: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "instance_id": str(self.instance_id) if self.instance_id else None,
            "escalation_id": str(self.escalation_id) if self.escalation_id else None,
            "created_at": self.created_at.isoformat(),
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "for_role": self.for_role,
        }


def _mine(actor: Actor) -> Any:
    return or_(
        Notification.recipient == actor.username, Notification.role.in_([r.value for r in actor.roles])
    )


def list_notifications(
    uow: UnitOfWork, actor: Actor, *, unread_only: bool = False, limit: int = 50
) -> list[NotificationView]:
    """The actor's notifications: addressed to them, or to a role they have (newest first)."""
    with uow:
        query = select(Notification).where(Notification.tenant_id == actor.tenant_id, _mine(actor))
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        rows = uow.session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, 500))))
        return [
            NotificationView(
                id=n.id,
                kind=n.kind,
                title=n.title,
                body=n.body,
                instance_id=n.instance_id,
                escalation_id=n.escalation_id,
                created_at=n.created_at,
                read_at=n.read_at,
                for_role=n.role,
            )
            for n in rows
        ]


def mark_read(uow: UnitOfWork, actor: Actor, notification_id: int) -> None:
    with uow:
        row = uow.session.get(Notification, notification_id)
        if (
            row is None
            or row.tenant_id != actor.tenant_id
            or not (row.recipient == actor.username or row.role in {r.value for r in actor.roles})
        ):
            raise NotFound("notification not found")
        if row.read_at is None:
            row.read_at = uow.now()
            row.read_by = actor.username
        uow.commit()
