"""Import every ORM model so the metadata is complete (Alembic autogenerate, schema checks).
New model modules are added here."""

from .. import tenancy  # noqa: F401
from ..accounts import models as accounts  # noqa: F401
from ..definitions import models as definitions  # noqa: F401
from ..monitoring import models as monitoring  # noqa: F401
from ..privacy import models as privacy  # noqa: F401
from ..procedures import models as procedures  # noqa: F401
from ..runtime import models as runtime  # noqa: F401
from ..scheduler import models as scheduler  # noqa: F401
from .base import Base

metadata = Base.metadata
