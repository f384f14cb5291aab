"""The scheduler: BPMN timers that fire on time and escalation of procedures that run too long.

- `timers`: the sweep that fires due BPMN timers, a batch of instances per unit of work; `workers`:
  the same sweep shared out to worker processes (``WAMS_SCHEDULER_WORKERS``).
- `deadlines`, `hooks`, `escalate`: deadlines of tasks and procedures (phases, review), tracked as rows
  with an indexed next-check time, and the sweep that turns overdue ones into escalations.
- `commands`: what managers and coordinators do (list/resolve escalations, suspend/resume/extend).
- `notify`: in-app notifications and e-mail; `policy`: per-tenant escalation settings.
- `runner`: one tick of both sweeps, and the APScheduler wiring (`wams scheduler`, embedded in `wams run`).
"""
