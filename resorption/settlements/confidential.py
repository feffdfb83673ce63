"""Which site data is confidential (reference §A.6), as data, so that pages, history, exports and statistics all
remove the same fields before anything leaves the server.

Who may see each class is decided by `permissions.confidential_classes_visible` — this module only knows which
fields belong to which class.
"""

from collections.abc import Mapping
from typing import Any

from resorption.accounts import permissions
from resorption.accounts.permissions import ConfidentialData

# Every field of §C.5 « Procédure judiciaire ou administrative » (§A.6: only with `shantytown_justice.access`).
JUSTICE_FIELDS: tuple[str, ...] = (
    "owner_complaint",
    "justice_procedure",
    "justice_rendered",
    "justice_rendered_by",
    "justice_rendered_at",
    "justice_challenged",
    "evacuation_under_time_limit",
    "administrative_order_decision_at",
    "administrative_order_decision_rendered_by",
    "administrative_order_evacuation_at",
    "insalubrity_order",
    "insalubrity_order_displayed",
    "insalubrity_order_type",
    "insalubrity_order_by",
    "insalubrity_order_at",
    "insalubrity_parcels",
    "police_status",
    "police_requested_at",
    "police_granted_at",
    "existing_litigation",
    "bailiff",
)

# §C.2 owners (the `SiteOwner` rows, names and types), under the key pages and exports use for them (§A.6: only with
# `shantytown_owner.access`). The whole `SiteOwner` model and its history belong to this class.
OWNER_FIELDS: tuple[str, ...] = ("owners",)

SITE_CONFIDENTIAL_FIELDS: Mapping[ConfidentialData, tuple[str, ...]] = {
    ConfidentialData.JUSTICE: JUSTICE_FIELDS,
    ConfidentialData.OWNERS: OWNER_FIELDS,
}


def hidden_site_fields(*, user, commune) -> frozenset[str]:
    """The site fields this user may not see (nor write) on a site of this commune."""
    visible = permissions.confidential_classes_visible(user, commune=commune)
    return frozenset(
        name for data, fields in SITE_CONFIDENTIAL_FIELDS.items() if data not in visible for name in fields
    )


def strip_confidential(values: Mapping[str, Any], *, user, commune) -> dict[str, Any]:
    """`values` (field name → value: a serialized site, a history diff, an export row) without the confidential
    fields the user may not see on a site of this commune. The keys are removed, not blanked: an empty value would
    still tell that a procedure exists or not."""
    hidden = hidden_site_fields(user=user, commune=commune)
    return {name: value for name, value in values.items() if name not in hidden}
