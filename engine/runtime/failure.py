"""An instance that cannot advance on its own: put in error, its managers told.

A timer that runs into a model error, or a step whose workflow the library reports completed while
the model did not end it (`engine.bpmn.tree.unexpected_end`), must not be retried forever nor be
marked completed: the instance is put in ERROR (the scheduler stops trying), the reason goes to
its timeline, and the tenant's managers get a notification so a person can look.

The runtime does not write that notification: it hands back the `Notice` it wants written, and the
writer `engine.services.build_services` gives the runtime (the scheduler's notifications) writes it
in the same transaction.
"""

from __future__ import annotations

import uuid

from ..errors import ProcessError
from ..roles import Role
from ..status import InstanceStatus, instance_transition
from ..uow import UnitOfWork
from . import journal
from .locks import lock_instance
from .outcome import Notice, NoticeWriter


def mark_error(uow: UnitOfWork, instance_id: uuid.UUID, error: ProcessError) -> Notice | None:
    """Put a running instance in error inside the caller's unit of work; what its managers are to be
    told (None: it was not running, nothing changed)."""
    instance = lock_instance(uow, instance_id, None)
    if instance.status != InstanceStatus.RUNNING:
        return None
    instance.status = instance_transition(instance.status, InstanceStatus.ERROR)
    instance.error = {"message": error.message, **{k: str(v) for k, v in error.details.items()}}
    instance.next_timer_due = None
    instance.updated_at = uow.now()
    journal.append(uow, [journal.entry(instance, "instance_error", None, detail=instance.error)])
    element = error.details.get("element")
    return Notice(
        tenant_id=instance.tenant_id,
        kind="instance_error",
        title="Procedure staat stil door een fout" + (f" bij {element}" if element else ""),
        body=f"De procedure kan niet verder en staat op 'fout'; de laatste goede stand is bewaard. "
        f"Melding van de engine: {error.message}",
        roles=(Role.MANAGER.value,),
        instance_id=instance.id,
    )


def mark_error_after_rollback(
    uow: UnitOfWork, instance_id: uuid.UUID, error: ProcessError, write: NoticeWriter
) -> None:
    """Put the instance in error once the failing command's transaction was rolled back (its last
    good state stays), in a transaction of its own: the one write that outlives a failed command.
    Its notice is written in that transaction too."""
    database, clock = uow.database, uow.clock

    def record() -> None:
        with UnitOfWork(database, clock) as again:
            notice = mark_error(again, instance_id, error)
            if notice is not None:
                write(again, notice)
            again.commit()

    uow.after_rollback(record)
