"""Organisations, users, intervention areas, permission overrides, charter and sign-in log."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from resorption.accounts.enums import (
    AccountEventKind,
    AdminRole,
    AreaType,
    Option,
    OrganizationCategory,
    Referral,
    ReminderKind,
    Role,
    SignInFailure,
    UserStatus,
)
from resorption.core.text import normalize_search
from resorption.territories.models import Commune, Departement, Epci, Region, clean_search_term


class LocatedMixin(models.Model):
    """A place on the map at one level: exactly the foreign key matching `area_type` is set (none for `nation`)."""

    area_type = models.CharField("niveau", max_length=12, choices=AreaType.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True

    @classmethod
    def location_constraint(cls, name: str) -> models.CheckConstraint:
        only = {
            AreaType.NATION: Q(region__isnull=True, departement__isnull=True, epci__isnull=True, commune__isnull=True),
            AreaType.REGION: Q(
                region__isnull=False, departement__isnull=True, epci__isnull=True, commune__isnull=True
            ),
            AreaType.DEPARTEMENT: Q(
                region__isnull=True, departement__isnull=False, epci__isnull=True, commune__isnull=True
            ),
            AreaType.EPCI: Q(region__isnull=True, departement__isnull=True, epci__isnull=False, commune__isnull=True),
            AreaType.COMMUNE: Q(
                region__isnull=True, departement__isnull=True, epci__isnull=True, commune__isnull=False
            ),
        }
        condition = Q()
        for area_type, fields in only.items():
            condition |= Q(area_type=area_type) & fields
        return models.CheckConstraint(condition=condition, name=name)

    @property
    def territory(self):
        """The territory object this row points to, or None for the whole nation."""
        return {
            AreaType.REGION: self.region,
            AreaType.DEPARTEMENT: self.departement,
            AreaType.EPCI: self.epci,
            AreaType.COMMUNE: self.commune,
        }.get(self.area_type)

    @property
    def territory_code(self) -> str | None:
        return {
            AreaType.REGION: self.region_id,
            AreaType.DEPARTEMENT: self.departement_id,
            AreaType.EPCI: self.epci_id,
            AreaType.COMMUNE: self.commune_id,
        }.get(self.area_type)

    @property
    def territory_label(self) -> str:
        territory = self.territory
        return "France entière" if territory is None else str(territory)


class OrganizationType(models.Model):
    uid = models.SlugField("identifiant", max_length=80, unique=True)
    name_singular = models.CharField("nom", max_length=200)
    name_plural = models.CharField("nom au pluriel", max_length=200)
    abbreviation = models.CharField("sigle", max_length=50, blank=True)
    category = models.CharField("catégorie", max_length=40, choices=OrganizationCategory.choices)
    default_role = models.CharField("rôle par défaut", max_length=40, choices=Role.choices)

    class Meta:
        verbose_name = "type de structure"
        verbose_name_plural = "types de structure"
        ordering = ["category", "name_singular"]

    def __str__(self):
        return self.abbreviation or self.name_singular


class OrganizationQuerySet(models.QuerySet):
    def search(self, term: str):
        term = clean_search_term(term)
        key = normalize_search(term)
        if not key:
            return self.none()
        return self.filter(Q(search_name__contains=key) | Q(abbreviation__iexact=term.strip()))

    def in_directory(self) -> "OrganizationQuerySet":
        """The organisations of the directory (« Annuaire », reference §F.1): active, with at least one account of
        `UserQuerySet.in_directory` — the one rule of who is shown, read from the people's side. An IN over those
        people's organisations: PostgreSQL reads them once (3 ms on the bench data) where an EXISTS per organisation
        cost 10 ms to count the directory."""
        return self.filter(pk__in=User.objects.in_directory().values("organization_id"), active=True)


class Organization(LocatedMixin):
    name = models.CharField("nom", max_length=250)
    abbreviation = models.CharField("sigle", max_length=250, blank=True)
    type = models.ForeignKey(OrganizationType, on_delete=models.PROTECT, related_name="organizations")
    # An organisation becomes active when its first user activates an account (reference §A.2).
    active = models.BooleanField("active", default=False)
    being_funded = models.BooleanField("structure financée", default=False)
    being_funded_at = models.DateField("financée depuis le", null=True, blank=True)
    search_name = models.CharField(max_length=250, editable=False, db_index=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        ordering = ["name"]
        constraints = [
            LocatedMixin.location_constraint("organization_location_matches_type"),
            models.UniqueConstraint(fields=["search_name", "type"], name="organization_unique_name_per_type"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = normalize_search(self.name)
        super().save(*args, **kwargs)

    @property
    def category(self) -> str:
        return self.type.category


def effective_role_q(roles: Iterable[str], path: str = "") -> Q:
    """Accounts whose effective role (`User.effective_role`) is one of `roles` (regular or admin roles): an admin role
    replaces the regular role, so a regular role counts only on accounts without an admin role."""
    prefix = f"{path}__" if path else ""
    roles = set(roles)
    return Q(**{f"{prefix}admin_role__in": sorted(roles & set(AdminRole.values))}) | Q(
        **{f"{prefix}admin_role": "", f"{prefix}role__in": sorted(roles & set(Role.values))}
    )


class UserQuerySet(models.QuerySet):
    def can_sign_in(self) -> "UserQuerySet":
        """Accounts that may sign in (`User.can_sign_in`): active accounts of active organisations (reference §B.5) —
        the people notifications, digests and pickers are drawn from."""
        return self.filter(status=UserStatus.ACTIVE, organization__active=True)

    def in_directory(self) -> "UserQuerySet":
        """The people shown in the directory (« Annuaire », reference §F.1) to every signed-in user, whatever his role
        and territory: the accounts that may sign in (`can_sign_in`), never an anonymised one. A status rule, like
        `can_sign_in`, not a rule of roles × territory: it lives here rather than in accounts.permissions, whose engine
        leaves account status aside. An anonymised account is always deactivated; the check stays so that no future
        reactivation path could list « Anonyme » again."""
        return self.can_sign_in().filter(anonymized_at__isnull=True)

    def visible_to(self, viewer: "User", feature: str = "user.read") -> "UserQuerySet":
        """Accounts `viewer` may see with a `user.*` feature (rule in accounts.permissions)."""
        from resorption.accounts.permissions import visible_users_q  # the rule module imports these models

        return self.filter(visible_users_q(viewer, feature))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    position = models.CharField("fonction", max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="users", verbose_name="structure"
    )
    status = models.CharField("statut", max_length=10, choices=UserStatus.choices, default=UserStatus.NEW)
    role = models.CharField("rôle", max_length=40, choices=Role.choices)
    admin_role = models.CharField("rôle d'administration", max_length=20, choices=AdminRole.choices, blank=True)
    options = models.JSONField("options", default=list, blank=True)
    # When true, the user's own intervention areas replace those of the organisation (reference §A.4).
    use_custom_intervention_area = models.BooleanField("territoires d'intervention personnalisés", default=False)
    charter_version_accepted = models.PositiveIntegerField("version de la charte acceptée", null=True, blank=True)
    charter_accepted_at = models.DateTimeField("charte acceptée le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    # Access request (§B.1)
    access_request_message = models.TextField("message de la demande d'accès", blank=True)
    referral = models.CharField("connu par", max_length=20, choices=Referral.choices, blank=True)
    referral_detail = models.CharField("précision", max_length=250, blank=True)
    access_refused_at = models.DateTimeField("demande refusée le", null=True, blank=True)
    # Administration (§A.7): a private note only admins read.
    admin_note = models.TextField("note d'administration", blank=True)
    # Preferences (§B.8): the subscriptions turned off.
    email_unsubscriptions = models.JSONField("notifications désactivées", default=list, blank=True)
    # Retention (§B.9)
    deactivated_at = models.DateTimeField("désactivé le", null=True, blank=True)
    # Set when the 6-month inactivity alert is sent; cleared at the next sign-in (a later absence alerts again).
    inactivity_alert_sent_at = models.DateTimeField("alerte d'inactivité envoyée le", null=True, blank=True)
    anonymization_requested_at = models.DateTimeField("anonymisation demandée le", null=True, blank=True)
    anonymized_at = models.DateTimeField("anonymisé le", null=True, blank=True)
    # The user's resolved permission context (areas, overrides), kept with the row so that a signed-in page reads it
    # in the same query as the user. Written by accounts.permissions, cleared when areas or overrides change.
    permissions_cache = models.JSONField("permissions résolues", null=True, blank=True, editable=False)
    # Raised by every clearing of `permissions_cache`: a context computed from data read before a clearing is not
    # stored over it (accounts.permissions stores it only if the version it loaded is still there).
    permissions_version = models.PositiveIntegerField("version des permissions", default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=Q(admin_role="") | Q(admin_role__in=AdminRole.values), name="user_admin_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        # A full save of an account loaded earlier must not write back a permission context that was cleared since:
        # only accounts.permissions writes those two columns, each time by an UPDATE of its own.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in ("permissions_cache", "permissions_version")
            ]
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.email = self.email.strip().lower()
        from django.core.exceptions import ValidationError

        unknown = set(self.options or []) - set(Option.values)
        if unknown:
            raise ValidationError({"options": f"Option inconnue : {', '.join(sorted(unknown))}."})

    @property
    def is_active(self) -> bool:  # read by Django's authentication machinery
        return self.status == UserStatus.ACTIVE

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def can_sign_in(self) -> bool:
        """Whether the account may sign in: active, of an active organisation (reference §B.5); the instance twin of
        `UserQuerySet.can_sign_in`. Reads the organisation (a query unless it is loaded)."""
        return self.status == UserStatus.ACTIVE and self.organization.active

    @property
    def effective_role(self) -> str:
        """The role that applies to the account: its admin role when it holds one, which replaces the regular role
        for the permission matrix and the options (reference §A.3), else its regular role."""
        return self.admin_role or self.role

    @property
    def role_label(self) -> str:
        """The role shown to people: the label of the effective role."""
        role = self.effective_role
        return AdminRole(role).label if role in AdminRole.values else Role(role).label

    @property
    def is_national_admin(self) -> bool:
        return self.admin_role == AdminRole.NATIONAL_ADMIN

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_role)


class InterventionArea(LocatedMixin):
    """Where an organisation — or a user with custom areas — works. A `nation` area means national scope."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="intervention_areas"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="intervention_areas")
    is_main_area = models.BooleanField("territoire principal", default=False)

    class Meta:
        verbose_name = "territoire d'intervention"
        verbose_name_plural = "territoires d'intervention"
        constraints = [
            LocatedMixin.location_constraint("intervention_area_location_matches_type"),
            models.CheckConstraint(
                condition=Q(organization__isnull=False, user__isnull=True)
                | Q(organization__isnull=True, user__isnull=False),
                name="intervention_area_one_owner",
            ),
        ]

    def __str__(self):
        return self.territory_label


class PermissionOverride(models.Model):
    """An exception to the role matrix for one organisation or one user (reference §A.4, "Exceptions de permission").

    Precedence when several rules speak of the same feature: user > option > organisation > role.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="permission_overrides"
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="permission_overrides"
    )
    entity = models.CharField("entité", max_length=40)
    feature = models.CharField("fonctionnalité", max_length=40)
    allowed = models.BooleanField("autorisé")
    # National scope when true; otherwise the permission applies on the user's intervention areas.
    national = models.BooleanField("sur tout le territoire national", default=False)

    class Meta:
        verbose_name = "exception de permission"
        verbose_name_plural = "exceptions de permission"
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, user__isnull=True)
                | Q(organization__isnull=True, user__isnull=False),
                name="permission_override_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(allowed=True) | Q(national=False), name="permission_override_national_only_if_allowed"
            ),
            models.UniqueConstraint(
                fields=["organization", "entity", "feature"],
                condition=Q(organization__isnull=False),
                name="permission_override_unique_organization",
            ),
            models.UniqueConstraint(
                fields=["user", "entity", "feature"],
                condition=Q(user__isnull=False),
                name="permission_override_unique_user",
            ),
        ]

    def __str__(self):
        return f"{self.entity}.{self.feature}"


class Charter(models.Model):
    """A version of the charter of commitment. Users must accept the latest one before anything else (§B.7)."""

    version = models.PositiveIntegerField("version", primary_key=True)
    published_at = models.DateField("publiée le")
    body = models.TextField("texte")

    class Meta:
        verbose_name = "charte d'engagement"
        ordering = ["-version"]

    def __str__(self):
        return f"Charte d'engagement v{self.version}"


class SignInAttempt(models.Model):
    """Every sign-in attempt, kept for throttling and for national admins (§B.5); purged after 12 months."""

    email = models.CharField("adresse saisie", max_length=254, db_index=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    success = models.BooleanField("réussie")
    failure_reason = models.CharField("motif d'échec", max_length=30, choices=SignInFailure.choices, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=300, blank=True)
    created_at = models.DateTimeField("date", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "tentative de connexion"
        verbose_name_plural = "tentatives de connexion"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ip_address", "created_at"])]

    def __str__(self):
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M}"


class UserAccess(models.Model):
    """One activation link sent to a user (§B.2 `user_accesses`). The token is stored hashed: a leaked database does
    not give working links. Valid until `expires_at`, once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="accesses")
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("envoyé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "lien d'activation"
        verbose_name_plural = "liens d'activation"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d}"

    def is_valid_at(self, moment) -> bool:
        return self.used_at is None and moment < self.expires_at


class AccountEvent(models.Model):
    """The history of an account: who did what, when (shown on the admin page)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField("action", max_length=30, choices=AccountEventKind.choices)
    detail = models.TextField("détail", blank=True)
    created_at = models.DateTimeField("date", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "événement du compte"
        verbose_name_plural = "événements du compte"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class SentReminder(models.Model):
    """A time-based email already sent; the unique constraint makes each one go out once, even if a job runs twice."""

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The activation link it is about, when it is about one (a new link starts new reminders).
    access = models.ForeignKey(UserAccess, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "user", "access"],
                condition=Q(access__isnull=False),
                name="sent_reminder_once_per_link",
            ),
            models.UniqueConstraint(
                fields=["kind", "user"], condition=Q(access__isnull=True), name="sent_reminder_once_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.user_id}"
