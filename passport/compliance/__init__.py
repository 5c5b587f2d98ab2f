"""Role requirements and CPD: pure rules over a learner's credentials, no web and no SQL.

The catalogue of roles and the recognition rule are data (passport/data/roles.json and
passport/data/recognition.json by default; an organisation's own can be loaded from a path).
"""

from passport.compliance.catalogue import (
    Catalogue,
    CatalogueError,
    Recognition,
    RecognitionRule,
    Requirement,
    Role,
    Subject,
    UnknownRoleError,
    default_catalogue,
    default_recognition,
    load_catalogue,
    load_recognition,
)
from passport.compliance.cpd import (
    CPD_FRAMEWORK,
    INDIVIDUAL,
    NMC_REVALIDATION,
    PARTICIPATORY,
    CpdCycle,
    RevalidationRule,
    cpd_hours_by_year,
    is_participatory,
    revalidation_progress,
)
from passport.compliance.held import CredentialStatus, HeldCredential
from passport.compliance.roles import (
    RequirementResult,
    RequirementState,
    RoleCheck,
    Verdict,
    check_role,
    lapses_on,
)

__all__ = [
    "CPD_FRAMEWORK",
    "INDIVIDUAL",
    "NMC_REVALIDATION",
    "PARTICIPATORY",
    "Catalogue",
    "CatalogueError",
    "CpdCycle",
    "CredentialStatus",
    "HeldCredential",
    "Recognition",
    "RecognitionRule",
    "Requirement",
    "RequirementResult",
    "RequirementState",
    "RevalidationRule",
    "Role",
    "RoleCheck",
    "Subject",
    "UnknownRoleError",
    "Verdict",
    "check_role",
    "cpd_hours_by_year",
    "default_catalogue",
    "default_recognition",
    "is_participatory",
    "lapses_on",
    "load_catalogue",
    "load_recognition",
    "revalidation_progress",
]
