"""The clock control of a rehearsal municipality (admins and process designers): move its clock
forward from any page, by a period or to a chosen later moment; the banner in base.html says what
time it is there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, request
from flask_babel import gettext

from engine import rehearsal
from engine.errors import InvalidInput
from engine.municipal_time import municipal_zone

from . import bp, common


@bp.route("/clock/advance", methods=["POST"])
def clock_advance() -> Any:
    """Move the rehearsal clock forward by the chosen period; what fell due meanwhile happens on the
    scheduler's next tick (within a second or two), in due-time order."""
    reading = rehearsal.advance_clock(common.svc().uow(), common.actor(), request.form.get("duration", ""))
    flash(gettext("The clock now says %(moment)s.", moment=common.when(reading.now, "full")), "ok")
    return redirect(common.back(request.form.get("next") or "/"))


@bp.route("/clock/set", methods=["POST"])
def clock_set() -> Any:
    """Set the rehearsal clock to a chosen later moment (a date, or a date and time, in the
    municipality's time zone), e.g. past a retention period of years in one step."""
    raw = (request.form.get("moment") or "").strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"not a date and time: {raw[:40]!r}", field="moment") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=municipal_zone())
    reading = rehearsal.pin_clock(common.svc().uow(), common.actor(), moment)
    flash(gettext("The clock now says %(moment)s.", moment=common.when(reading.now, "full")), "ok")
    return redirect(common.back(request.form.get("next") or "/"))
