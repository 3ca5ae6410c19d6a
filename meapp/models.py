"""Import every model so that metadata is complete (Alembic, tests, shell)."""
from meapp.audit.models import AuditEvent  # noqa: F401
from meapp.auth.models import ApiToken, Role, User  # noqa: F401
from meapp.compendium.models import (  # noqa: F401
    CompendiumCategory,
    CompendiumSubsection,
    Edition,
    Practice,
    PracticeCountry,
    PracticeSource,
)
from meapp.logframes.models import (  # noqa: F401
    DisaggregationCategory,
    DisaggregationType,
    Indicator,
    PeriodTarget,
    ResultLevel,
    ValidationRule,
)
from meapp.projects.models import (  # noqa: F401
    GcmObjective,
    Organisation,
    Project,
    ProjectCountry,
    ProjectOrganisation,
    SdgTarget,
    Sector,
)
from meapp.submissions.models import (  # noqa: F401
    Evidence,
    Finding,
    ReportingPeriod,
    Submission,
    Value,
)
