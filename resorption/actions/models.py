"""Actions (reference §E.1): the resorption programmes of a département — who pilots them, who operates them, where,
on which topics, and with what money each year.

Rules that hold for a single row are database constraints (dates, topics, the location type's own fields, amounts);
rules that need the user or other rows (the ETI's commune in the main département, sites the editor may read, the
finance years within the action's years, who may change the département and the pilots) belong to `services.py`.
Every row is versioned by django-simple-history: the history page (views.py `history`) reads those versions.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from resorption.accounts import permissions
from resorption.actions.enums import FinanceType, LocationType, ReminderKind, Topic
from resorption.journal.models import Message, StoredAttachment, message_constraints

# The topic → its boolean column (a fixed, small list: one column each, as the site's origins; filters stay plain).
TOPIC_FIELDS: dict[Topic, str] = {topic: f"topic_{topic.value}" for topic in Topic}
FINANCE_AMOUNT_MAX_DIGITS = 12  # up to 9 999 999 999,99 €


def euros(value) -> str:
    """« 12 500,50 € »: an amount as French writes it (non-breaking spaces between thousands)."""
    whole, _, cents = f"{value:,.2f}".partition(".")
    return f"{whole.replace(',', '\u00a0')},{cents}\u00a0€"


# What is read of a pilot or an operator (`with_members`).
_MEMBER_SHOWN = (
    "action_id",
    "user_id",
    "organization_id",
    "user__first_name",
    "user__last_name",
    "organization__name",
)


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user, feature: str = "action.read") -> "ActionQuerySet":
        """Actions on which the user holds `feature` (rule: `permissions.actions_q`: the action's département, or his
        organisation among its pilots or operators)."""
        rule = permissions.actions_q(user, feature)
        if not rule:  # national: every action
            return self.all()
        # The rule crosses the pilots' and operators' rows (several per action): matched inside an IN subquery, the
        # outer query returns each action once without a DISTINCT over its columns.
        return self.filter(pk__in=Action.objects.filter(rule).values("pk"))

    def ongoing(self) -> "ActionQuerySet":
        """« En cours »: no end date, or an end date today or later."""
        return self.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=timezone.localdate()))

    def finished(self) -> "ActionQuerySet":
        """« Terminée »: an end date in the past."""
        return self.filter(ended_at__lt=timezone.localdate())

    def running_in(self, year: int) -> "ActionQuerySet":
        """Actions under way at some point of `year`: started by its 31 December, not ended before its 1 January."""
        return self.filter(started_at__lte=datetime.date(year, 12, 31)).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=datetime.date(year, 1, 1))
        )

    def on_site(self, site) -> "ActionQuerySet":
        return self.filter(pk__in=ActionSite.objects.filter(site=site).values("action"))

    def with_members(self) -> "ActionQuerySet":
        """Its pilots and operators, each with his organisation at the time he was added (two queries), in the order
        they were added; of the person and the organisation only what pages, forms, rules and the export read
        (`_MEMBER_SHOWN`): whole account rows cost the action page a seventh of its work (25,300 → 21,600 calls)."""
        return self.prefetch_related(
            Prefetch(
                "managers",
                ActionManager.objects.select_related("user", "organization").only(*_MEMBER_SHOWN).order_by("pk"),
            ),
            Prefetch(
                "operators",
                ActionOperator.objects.select_related("user", "organization").only(*_MEMBER_SHOWN).order_by("pk"),
            ),
        )

    def with_list_data(self) -> "ActionQuerySet":
        """What a row of the list and the action page show: the département and région, pilots and operators."""
        return self.select_related("departement__region").with_members()


def actions_on_site(user, site) -> ActionQuerySet:
    """The actions on this site that the user reads, latest started first: the site page's « Actions sur ce site »
    (template `actions/includes/site_actions.html`, context `site_actions`)."""
    return Action.objects.visible_to(user).on_site(site).select_related("departement").order_by("-started_at", "-pk")


ACTION_CONSTRAINTS = [
    models.CheckConstraint(
        condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
        name="action_ends_after_start",
        violation_error_message="La date de fin ne peut pas précéder la date de début.",
    ),
    models.CheckConstraint(
        condition=Q(_connector=Q.OR, **{field: True for field in TOPIC_FIELDS.values()}),
        name="action_has_a_topic",
        violation_error_message="Choisissez au moins un champ d'intervention.",
    ),
    models.CheckConstraint(
        condition=Q(location_type__in=LocationType.values),
        name="action_location_type_valid",
        violation_error_message="Choisissez où se déroule l'action parmi les lieux proposés.",
    ),
    models.CheckConstraint(
        condition=~Q(location_type=LocationType.ETI) | (~Q(location_eti="") & Q(location_eti_commune__isnull=False)),
        name="action_eti_has_address",
        violation_error_message="L'adresse et la commune de l'espace temporaire d'accompagnement sont obligatoires.",
    ),
    models.CheckConstraint(
        condition=~Q(location_type=LocationType.AUTRE) | ~Q(location_autre=""),
        name="action_other_location_given",
        violation_error_message="Précisez le lieu de l'action.",
    ),
    models.CheckConstraint(
        condition=(Q(location_eti_latitude__isnull=True) & Q(location_eti_longitude__isnull=True))
        | (
            Q(location_eti_latitude__gte=-90, location_eti_latitude__lte=90)
            & Q(location_eti_longitude__gte=-180, location_eti_longitude__lte=180)
        ),
        name="action_eti_coordinates_valid",
        violation_error_message=(
            "Saisissez une latitude entre -90 et 90 et une longitude entre -180 et 180, ou aucune."
        ),
    ),
]
# The form field each constraint's message is shown next to.
CONSTRAINT_FIELDS = {
    "action_ends_after_start": "ended_at",
    "action_has_a_topic": "topics",
    "action_location_type_valid": "location_type",
    "action_eti_has_address": "location_eti",
    "action_other_location_given": "location_autre",
    "action_eti_coordinates_valid": "location_eti_latitude",
}


class Action(models.Model):
    name = models.CharField("nom de l'action", max_length=255)
    started_at = models.DateField("date de début")
    ended_at = models.DateField("date de fin", null=True, blank=True)
    topic_health = models.BooleanField(Topic.HEALTH.label, default=False)
    topic_school = models.BooleanField(Topic.SCHOOL.label, default=False)
    topic_work = models.BooleanField(Topic.WORK.label, default=False)
    topic_housing = models.BooleanField(Topic.HOUSING.label, default=False)
    topic_safety = models.BooleanField(Topic.SAFETY.label, default=False)
    goals = models.TextField("objectifs de l'action")
    departement = models.ForeignKey(
        "territories.Departement",
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name="département d'intervention principal",
    )
    location_type = models.CharField("lieu de l'action", max_length=10, choices=LocationType.choices)
    location_eti = models.CharField("adresse de l'ETI", max_length=255, blank=True)
    location_eti_commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="commune de l'ETI",
    )
    location_eti_latitude = models.FloatField("latitude de l'ETI", null=True, blank=True)
    location_eti_longitude = models.FloatField("longitude de l'ETI", null=True, blank=True)
    location_autre = models.CharField("précision du lieu", max_length=255, blank=True)
    sites = models.ManyToManyField(
        "settlements.Site", through="ActionSite", related_name="actions", verbose_name="sites concernés"
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="créée par"
    )
    updated_at = models.DateTimeField("mise à jour le", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="mise à jour par",
    )
    # Optimistic locking, as the sites': every save through the services bumps it, and a form opened on an older
    # version is refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField("version", default=1)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="version d'une action", verbose_name_plural="versions des actions")

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ["-updated_at", "-pk"]
        constraints = ACTION_CONSTRAINTS
        indexes = [models.Index(fields=["departement", "-updated_at"], name="action_departement_updated_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("actions:detail", kwargs={"pk": self.pk})

    @property
    def is_ongoing(self) -> bool:
        """« En cours » without end date or until its end date included; « terminée » after."""
        return self.ended_at is None or self.ended_at >= timezone.localdate()

    @property
    def status_label(self) -> str:
        return "En cours" if self.is_ongoing else "Terminée"

    @property
    def topics(self) -> list[Topic]:
        return [topic for topic, field in TOPIC_FIELDS.items() if getattr(self, field)]

    @property
    def topic_labels(self) -> str:
        """« Santé, Logement »: the topics as users read them."""
        return ", ".join(str(topic.label) for topic in self.topics)

    @property
    def years(self) -> range:
        """The years finances may be entered for: from its start to its end, or to this year while it has none."""
        last = self.ended_at.year if self.ended_at else max(timezone.localdate().year, self.started_at.year)
        return range(self.started_at.year, last + 1)

    # `permissions.ActionLike`: read from the prefetched pilots and operators (`with_members`).
    @property
    def manager_organization_ids(self) -> set[int]:
        return {member.organization_id for member in self.managers.all()}

    @property
    def operator_organization_ids(self) -> set[int]:
        return {member.organization_id for member in self.operators.all()}


class _ActionMember(models.Model):
    """A pilot or an operator: a user, stored with the organisation he belonged to when he was added (§E.1)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="structure"
    )

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.user.full_name} ({self.organization.name})"


class ActionManager(_ActionMember):
    """« Pilote de l'action »: his organisation gets the action-level grants, finances included (§A.4)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="managers")

    history = HistoricalRecords(verbose_name="version d'un pilote", verbose_name_plural="versions des pilotes")

    class Meta:
        verbose_name = "pilote de l'action"
        verbose_name_plural = "pilotes de l'action"
        constraints = [models.UniqueConstraint(fields=["action", "user"], name="action_manager_once")]
        indexes = [models.Index(fields=["organization", "action"], name="action_manager_org_idx")]


class ActionOperator(_ActionMember):
    """« Opérateur de l'action »: his organisation reads and updates the action (§A.4)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="operators")

    history = HistoricalRecords(verbose_name="version d'un opérateur", verbose_name_plural="versions des opérateurs")

    class Meta:
        verbose_name = "opérateur de l'action"
        verbose_name_plural = "opérateurs de l'action"
        constraints = [models.UniqueConstraint(fields=["action", "user"], name="action_operator_once")]
        indexes = [models.Index(fields=["organization", "action"], name="action_operator_org_idx")]


class ActionSite(models.Model):
    """A site concerned by an action (« Sites concernés », when the action takes place on site)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="site_links")
    site = models.ForeignKey("settlements.Site", on_delete=models.CASCADE, related_name="action_links")

    history = HistoricalRecords(
        verbose_name="version d'un site concerné", verbose_name_plural="versions des sites concernés"
    )

    class Meta:
        verbose_name = "site concerné"
        verbose_name_plural = "sites concernés"
        constraints = [models.UniqueConstraint(fields=["action", "site"], name="action_site_once")]
        indexes = [models.Index(fields=["site", "action"], name="action_site_site_idx")]

    def __str__(self):
        return f"{self.action} — {self.site}"


class ActionFinance(models.Model):
    """One line of an action's finances for a year (§E.1). Confidential: read and written only with
    `action_finances.access` on the action (`permissions.can_access_action_finances`)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="finances")
    year = models.PositiveSmallIntegerField("année")
    finance_type = models.CharField("type de financement", max_length=12, choices=FinanceType.choices)
    amount = models.DecimalField("montant", max_digits=FINANCE_AMOUNT_MAX_DIGITS, decimal_places=2)
    real_amount = models.DecimalField("dépenses exécutées", max_digits=FINANCE_AMOUNT_MAX_DIGITS, decimal_places=2)
    comments = models.CharField("commentaire", max_length=255, blank=True)

    history = HistoricalRecords(
        verbose_name="version d'un financement", verbose_name_plural="versions des financements"
    )

    class Meta:
        verbose_name = "financement"
        verbose_name_plural = "financements"
        ordering = ["year", "finance_type", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="action_finance_amount_positive",
                violation_error_message="Le montant ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(real_amount__gte=0),
                name="action_finance_real_amount_positive",
                violation_error_message="Les dépenses exécutées ne peuvent pas être négatives.",
            ),
            models.CheckConstraint(
                condition=Q(finance_type__in=FinanceType.values),
                name="action_finance_type_valid",
                violation_error_message="Choisissez un type de financement parmi ceux proposés.",
            ),
        ]

    def __str__(self):
        return f"{self.year} — {self.get_finance_type_display()} : {euros(self.amount)}"

    @property
    def amount_display(self) -> str:
        return euros(self.amount)

    @property
    def real_amount_display(self) -> str:
        return euros(self.real_amount)


# ---------------------------------------------------------------------------------------------------------------------
# Indicators per year (§E.2)
# ---------------------------------------------------------------------------------------------------------------------


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True)


# The indicators' sections, in the order of the page: (title, the topic that shows it or None for all, its fields).
METRIC_SECTIONS: list[tuple[str, Topic | None, list[str]]] = [
    ("Public accompagné", None, ["nombre_personnes", "nombre_menages", "nombre_femmes", "nombre_mineurs"]),
    ("Santé", Topic.HEALTH, ["sante_nombre_personnes"]),
    ("Formation et emploi", Topic.WORK, ["travail_nombre_personnes", "travail_nombre_femmes"]),
    (
        "Logement",
        Topic.HOUSING,
        [
            "hebergement_nombre_personnes",
            "hebergement_nombre_menages",
            "logement_nombre_personnes",
            "logement_nombre_menages",
        ],
    ),
    (
        "Éducation et scolarisation",
        Topic.SCHOOL,
        [
            "scolaire_mineurs_moins_de_trois_ans",
            "scolaire_mineurs_trois_ans_et_plus",
            "scolaire_mediation_moins_de_trois_ans",
            "scolaire_mediation_trois_ans_et_plus",
            "scolaire_mineur_scolarise_dans_annee",
            "scolaire_nombre_maternelle",
            "scolaire_nombre_elementaire",
            "scolaire_nombre_college",
            "scolaire_nombre_lycee",
            "scolaire_nombre_autre",
        ],
    ),
]
METRIC_FIELDS = [name for _, _, names in METRIC_SECTIONS for name in names]
SCHOOLED_FIELDS = [
    "scolaire_nombre_maternelle",
    "scolaire_nombre_elementaire",
    "scolaire_nombre_college",
    "scolaire_nombre_lycee",
    "scolaire_nombre_autre",
]
# (the fields whose sum is bounded, the bounding field): each sum may not exceed its bound (§E.2 « women ≤ persons,
# households ≤ persons, schooled ≤ minors… »). The message goes next to the first field of the sum.
METRIC_BOUNDS: list[tuple[tuple[str, ...], str]] = [
    (("nombre_menages",), "nombre_personnes"),
    (("nombre_femmes",), "nombre_personnes"),
    (("nombre_mineurs",), "nombre_personnes"),
    (("sante_nombre_personnes",), "nombre_personnes"),
    (("travail_nombre_personnes",), "nombre_personnes"),
    (("travail_nombre_femmes",), "travail_nombre_personnes"),
    (("travail_nombre_femmes",), "nombre_femmes"),
    (("hebergement_nombre_personnes",), "nombre_personnes"),
    (("hebergement_nombre_menages",), "hebergement_nombre_personnes"),
    (("hebergement_nombre_menages",), "nombre_menages"),
    (("logement_nombre_personnes",), "nombre_personnes"),
    (("logement_nombre_menages",), "logement_nombre_personnes"),
    (("logement_nombre_menages",), "nombre_menages"),
    (("scolaire_mineurs_moins_de_trois_ans", "scolaire_mineurs_trois_ans_et_plus"), "nombre_mineurs"),
    (("scolaire_mediation_moins_de_trois_ans",), "scolaire_mineurs_moins_de_trois_ans"),
    (("scolaire_mediation_trois_ans_et_plus",), "scolaire_mineurs_trois_ans_et_plus"),
    (("scolaire_mineur_scolarise_dans_annee",), "scolaire_mineurs_trois_ans_et_plus"),
    (tuple(SCHOOLED_FIELDS), "scolaire_mineurs_trois_ans_et_plus"),
]


def _bound_constraints() -> list[models.CheckConstraint]:
    """The single-field bounds as database checks (an empty value bounds nothing); sums are checked by the service."""
    constraints = []
    for fields, bound in METRIC_BOUNDS:
        if len(fields) == 1:
            (name,) = fields
            constraints.append(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(**{f"{bound}__isnull": True})
                    | Q(**{f"{name}__lte": F(bound)}),
                    name=f"metrics_{name}_le_{bound}"[:60],
                )
            )
    return constraints


class ActionMetrics(models.Model):
    """The indicators of an action for one year (« Modification des indicateurs », §E.2): every count optional,
    each bounded by its total. Not confidential: whoever reads the action reads them."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="metrics")
    year = models.PositiveSmallIntegerField("année")
    nombre_personnes = _count("nombre de personnes accompagnées")
    nombre_menages = _count("nombre de ménages accompagnés")
    nombre_femmes = _count("nombre de femmes accompagnées")
    nombre_mineurs = _count("nombre de mineurs accompagnés")
    sante_nombre_personnes = _count("nombre de personnes accompagnées vers la santé")
    travail_nombre_personnes = _count("nombre de personnes ayant eu au moins un contrat de travail")
    travail_nombre_femmes = _count("nombre de femmes ayant eu au moins un contrat de travail")
    hebergement_nombre_personnes = _count(
        "nombre de personnes en hébergement ou logement adapté longue durée avec accompagnement, dont ETA"
    )
    hebergement_nombre_menages = _count(
        "nombre de ménages en hébergement ou logement adapté longue durée avec accompagnement, dont ETA"
    )
    logement_nombre_personnes = _count("nombre de personnes ayant accédé à un logement")
    logement_nombre_menages = _count("nombre de ménages ayant accédé à un logement")
    scolaire_mineurs_moins_de_trois_ans = _count("nombre de mineurs de moins de 3 ans identifiés sur site")
    scolaire_mineurs_trois_ans_et_plus = _count("nombre de mineurs de 3 ans et plus identifiés sur site")
    scolaire_mediation_moins_de_trois_ans = _count(
        "nombre de mineurs de moins de 3 ans bénéficiant d'une action de médiation"
    )
    scolaire_mediation_trois_ans_et_plus = _count(
        "nombre de mineurs de 3 ans et plus bénéficiant d'une action de médiation"
    )
    scolaire_mineur_scolarise_dans_annee = _count("nombre de mineurs dont la scolarité a débuté cette année")
    scolaire_nombre_maternelle = _count("nombre d'enfants scolarisés en maternelle")
    scolaire_nombre_elementaire = _count("nombre d'enfants scolarisés en élémentaire")
    scolaire_nombre_college = _count("nombre de jeunes scolarisés au collège")
    scolaire_nombre_lycee = _count("nombre de jeunes scolarisés au lycée ou en formation professionnelle")
    scolaire_nombre_autre = _count("nombre de jeunes en dispositif d'insertion")

    history = HistoricalRecords(verbose_name="version des indicateurs", verbose_name_plural="versions des indicateurs")

    class Meta:
        verbose_name = "indicateurs d'une année"
        verbose_name_plural = "indicateurs"
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["action", "year"], name="action_metrics_once_a_year"),
            models.CheckConstraint(
                condition=Q(nombre_personnes__isnull=True) | Q(nombre_personnes__gte=1),
                name="action_metrics_people_at_least_one",
                violation_error_message="Le nombre de personnes accompagnées est d'au moins 1.",
            ),
            *_bound_constraints(),
        ]

    def __str__(self):
        return f"Indicateurs {self.year} — {self.action}"


# ---------------------------------------------------------------------------------------------------------------------
# « Demander à être pilote » and the yearly reminders (§E.3)
# ---------------------------------------------------------------------------------------------------------------------


class ActionPilotRequest(models.Model):
    """The last time a person asked the admins to become a pilot of an action (« Demander à être pilote », §E.3).
    One row per person and action (unique): the service locks it, or creates it once, so that two requests within a
    day never send the admins two emails (`actions.notifications.action_pilot_request`)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField("demandé le", default=timezone.now)

    class Meta:
        verbose_name = "demande pour piloter une action"
        verbose_name_plural = "demandes pour piloter une action"
        constraints = [models.UniqueConstraint(fields=["action", "user"], name="action_pilot_request_once")]

    def __str__(self):
        return f"{self.user_id} → {self.action_id} ({self.requested_at:%Y-%m-%d})"


class ActionReminder(models.Model):
    """A yearly indicators reminder sent about an action (§E.3): the unique constraint makes each one go out once per
    action, kind and year, even when the job runs twice or concurrently (`actions.notifications`)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("relance", max_length=20, choices=ReminderKind.choices)
    year = models.PositiveSmallIntegerField("année des indicateurs")
    sent_at = models.DateTimeField("envoyée le", default=timezone.now)

    class Meta:
        verbose_name = "relance des indicateurs"
        verbose_name_plural = "relances des indicateurs"
        constraints = [
            models.UniqueConstraint(fields=["action", "kind", "year"], name="action_reminder_once"),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="action_reminder_kind_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year} — {self.action_id}"


# ---------------------------------------------------------------------------------------------------------------------
# The action's journal (§E.3)
# ---------------------------------------------------------------------------------------------------------------------


class ActionEntryQuerySet(models.QuerySet):
    def alive(self) -> "ActionEntryQuerySet":
        """Messages not deleted: the only ones ever shown."""
        return self.filter(deleted_at__isnull=True)

    def readable_by(self, user) -> "ActionEntryQuerySet":
        """Messages the user may read (rule: `permissions.action_entries_q`), each once."""
        return self.filter(permissions.action_entries_q(user, model=self.model))


class ActionEntry(Message):
    """A message of an action's journal (§E.3 « commentaires »): the journal's `Message` — text, audience, targets,
    edition, deletion kept as a row — about an action. Who reads it: `permissions.action_entries_q`."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="journal_entries", verbose_name="action")
    # Kept when the author's account goes away: the message stays, signed « utilisateur supprimé ».
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_entries",
        verbose_name="auteur",
    )
    target_organizations = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="targeted_action_entries", verbose_name="structures ciblées"
    )
    target_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="targeted_action_entries", verbose_name="personnes ciblées"
    )

    objects = ActionEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "message du journal d'une action"
        verbose_name_plural = "messages du journal des actions"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "-created_at"], name="action_entry_created_idx")]
        constraints = message_constraints("action_entry")

    def __str__(self):
        return f"Message du {timezone.localtime(self.created_at):%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("actions:journal", kwargs={"pk": self.action_id}) + f"#message-{self.pk}"


class ActionEntryAttachment(StoredAttachment):
    """A file joined to a message of an action's journal, stored and served as the site journal's."""

    STORAGE_FOLDER = "actions"

    entry = models.ForeignKey(
        ActionEntry, on_delete=models.CASCADE, related_name="attachments", verbose_name="message"
    )

    class Meta:
        verbose_name = "pièce jointe d'un message d'action"
        verbose_name_plural = "pièces jointes des messages d'actions"
        ordering = ["entry", "pk"]

    def get_absolute_url(self) -> str:
        return reverse("actions:attachment", kwargs={"pk": self.entry.action_id, "attachment_uuid": self.uuid})
