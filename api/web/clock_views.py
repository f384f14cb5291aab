"""The clock control of a rehearsal municipality (admins and process designers): move its clock
forward from any page; the banner in base.html says what time it is there."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request
from flask_babel import gettext

from engine import rehearsal

from . import bp, common


@bp.route("/clock/advance", methods=["POST"])
def clock_advance() -> Any:
    """Move the rehearsal clock forward by the chosen period; what fell due meanwhile happens on the
    scheduler's next tick (within a second or two), in due-time order."""
    reading = rehearsal.advance_clock(common.svc().uow(), common.actor(), request.form.get("duration", ""))
    flash(gettext("The clock now says %(moment)s.", moment=common.when(reading.now, "full")), "ok")
    return redirect(common.back(request.form.get("next") or "/"))
