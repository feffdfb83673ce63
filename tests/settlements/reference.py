"""What the reference says about site data, written out here so that tests compare the code with it — never with the
code's own lists (/work/shared/spec/reference-platform.md)."""

# §C.5 « Procédure judiciaire ou administrative », every row of its table: confidential under §A.6 (only with
# `shantytown_justice.access`). Field name → the reference's label.
JUSTICE_FIELD_LABELS: dict[str, str] = {
    "owner_complaint": "Dépôt de plainte par le propriétaire",
    "justice_procedure": "Existence d'une procédure judiciaire",
    "justice_rendered": "Décision de justice rendue",
    "justice_rendered_by": "Origine de la décision",
    "justice_rendered_at": "Date de la décision",
    "justice_challenged": "Y a-t-il un appel en cours ?",
    "evacuation_under_time_limit": (
        "Une procédure administrative prescrivant l'évacuation sous délai est-elle en cours ?"
    ),
    "administrative_order_decision_at": "Date de l'arrêté",
    "administrative_order_decision_rendered_by": "Qui a pris l'arrêté ?",
    "administrative_order_evacuation_at": "Date de l'évacuation",
    "insalubrity_order": "Un arrêté d'insalubrité dans le cadre d'une opération RHI bidonville est-il en cours ?",
    "insalubrity_order_displayed": "Affichage de l'arrêté ou notification",
    "insalubrity_order_type": "Type d'arrêté (arrêté de mise en sécurité...)",
    "insalubrity_order_by": "Qui a pris l'arrêté ?",
    "insalubrity_order_at": "Date de l'arrêté",
    "insalubrity_parcels": "Parcelles concernées par l'arrêté",
    "police_status": "Concours de la force publique",
    "police_requested_at": "Date de la demande du CFP",
    "police_granted_at": "Date d'octroi du CFP",
    "existing_litigation": "Existence d'un contentieux ?",
    "bailiff": "Nom de l'étude d'huissiers",
}
JUSTICE_FIELDS: tuple[str, ...] = tuple(JUSTICE_FIELD_LABELS)

# The name prefixes of the §C.5 fields: a site field named like this is a justice field, wherever it is declared.
JUSTICE_PREFIXES = ("justice_", "police_", "insalubrity_", "administrative_order_")

# §C.2: the owners' identity is a list of owners per site (names and types; §A.6: only with
# `shantytown_owner.access`), while `owner_type` (« Type de propriétaire ») is an ordinary field of the site.
PUBLIC_OWNER_FIELDS = ("owner_type",)
