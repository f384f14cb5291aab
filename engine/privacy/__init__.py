"""The privacy core: who sees which case data, what was done with it, and the rights around it.

- `policy`: the need-to-know policy (a bundle's `privacy-policy.yaml` or the built-in default) and its
  evaluation per role, party, category, phase, status and medical release.
- `catalogue`: the policy and party catalogue of a deployed definition version (cached; immutable).
- `disclosure`: what `engine.procedures.view.case_view` shows and the log lines it writes.
- `log`: the processing log (verwerkingenlogging), hash-chained per tenant; `verify_chain`.
- `queries`: the privacy officer's log queries and the inzage export.
- `gdpr`: requests for inzage, correctie, beperking, bezwaar and wissing, handled as tasks.
- `medical`: the medical professional's release or withholding of medical facts.
- `registers`: complaints and privacy incidents; `further`: further processing (art. 5.4.3(4)).
- `retention`: erasing a procedure's personal data after closure plus the retention period.
"""
