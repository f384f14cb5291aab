"""Demo data for `make run`: two fictional municipalities and one rehearsal municipality
(oefenomgeving, whose clock can be moved: engine/rehearsal.py) with the bundled workflows deployed.

Idempotent: running it again changes nothing (same content = same definition version)."""

from __future__ import annotations

from .accounts.demo import seed_demo_accounts
from .definitions.bundle import Bundle
from .definitions.service import deploy_in
from .errors import InvalidProcessModel
from .rehearsal import PRODUCTION, REHEARSAL
from .services import Services
from .tenancy import ensure_tenant

DEMO_TENANTS = {
    "zuidstad": "Gemeente Zuidstad (demo)",
    "noordveen": "Gemeente Noordveen (demo)",
    "oefendorp": "Oefengemeente Oefendorp (oefenomgeving)",
}
# Where designers rehearse a model and trainers train workers: months pass in minutes.
DEMO_REHEARSALS = frozenset({"oefendorp"})


def seed_demo_data(services: Services) -> str:
    settings = services.settings
    lines = ["Demo data:"]
    bundle = Bundle.from_directory(settings.workflows_path, settings.forms_path)
    with services.uow() as uow:
        for tenant_id, name in DEMO_TENANTS.items():
            ensure_tenant(
                uow, tenant_id, name, kind=REHEARSAL if tenant_id in DEMO_REHEARSALS else PRODUCTION
            )
            try:
                deployments = deploy_in(
                    uow, tenant_id, bundle, "demo-data", max_xml_bytes=settings.max_xml_bytes
                )
            except InvalidProcessModel as exc:
                lines.append(f"  {tenant_id}: bundled workflows NOT deployed ({exc.message}):")
                lines.extend(f"    {issue}" for issue in exc.issues[:20])
                continue
            for d in deployments:
                lines.append(f"  {tenant_id}: {d.definition.process_id} v{d.definition.version}")
        accounts: list[str] = []
        if not settings.is_production:
            for tenant_id in DEMO_TENANTS:
                accounts.extend(seed_demo_accounts(uow, tenant_id, settings.secret_key))
        uow.commit()
    if accounts:
        lines.append("Demo accounts (username, password, API token, role):")
        lines.extend(f"  {line}" for line in accounts)
        lines.append('  try: curl -H "Authorization: Bearer <token>" <address>/api/v1/me  (see docs/api.md)')
    return "\n".join(lines)
