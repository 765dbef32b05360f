"""People, their assignments over time and the credentials they hold."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import (
    LEVEL_CHOICES,
    Category,
    Dimension,
    Gender,
    ManagementTier,
    RankCode,
)
from cadretrain.core.scoping import NOTHING, ScopedQuerySet
from cadretrain.domain.access import Actor, Role


class PersonQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        if actor.is_city_wide:
            return None
        if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
            return Q(unit__path__startswith=actor.unit_path)
        if actor.role is Role.LEARNER and actor.person_id:
            return Q(pk=actor.person_id)
        if actor.role is Role.INSTITUTION_STAFF and actor.institution_id:
            # Institution staff see the learners of their institution's classes, nobody else.
            from cadretrain.training.models import Enrolment

            learners = Enrolment.objects.filter(
                training_class__institution_id=actor.institution_id
            ).values("person_id")
            return Q(pk__in=learners)
        return NOTHING

    def employed_on(self, day):  # type: ignore[no-untyped-def]
        """People on the payroll on `day` (joined on or before, not yet left)."""
        return self.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=day),
            Q(left_on__isnull=True) | Q(left_on__gt=day),
        )


class Person(models.Model):
    """A cadre, civil servant, public employee or contract worker (cán bộ, công chức, viên chức).

    `unit` and `position` are the current primary assignment, denormalised from `Assignment` so
    that scoping and lists need no history scan; history lives in `Assignment`."""

    code = models.CharField(_("Mã cán bộ"), max_length=40, unique=True)
    full_name = models.CharField(_("Họ và tên"), max_length=150)
    # Indexed in Meta.indexes: as a field's db_index, PostgreSQL would get a second, pattern-ops
    # index for prefix LIKE, which the product's substring search (core.search) never uses.
    search_key = models.CharField(max_length=150, editable=False)
    birth_date = models.DateField(_("Ngày sinh"))
    gender = models.CharField(_("Giới tính"), max_length=1, choices=Gender.choices)
    category = models.CharField(_("Loại cán bộ"), max_length=24, choices=Category.choices)
    # Not indexed alone: the (unit, search_key) index of Meta.indexes starts with it and serves
    # every lookup by unit (one B-tree fewer for each person an import writes).
    unit = models.ForeignKey(
        "org.OrgUnit", on_delete=models.PROTECT, related_name="people", verbose_name=_("Đơn vị"),
        db_index=False,
    )
    position = models.ForeignKey(
        "org.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="people",
        verbose_name=_("Vị trí việc làm"),
    )
    management_tier = models.CharField(
        _("Diện quản lý"), max_length=16, choices=ManagementTier.choices, blank=True
    )
    rank_code = models.CharField(_("Ngạch / hạng"), max_length=10, choices=RankCode.choices, blank=True)
    party_member = models.BooleanField(_("Đảng viên"), default=False)
    ethnicity = models.CharField(_("Dân tộc"), max_length=40, blank=True)
    national_id = models.CharField(_("Số CCCD"), max_length=12, blank=True)
    email = models.EmailField(_("Email"), blank=True)
    phone = models.CharField(_("Điện thoại"), max_length=20, blank=True)
    joined_on = models.DateField(_("Ngày vào cơ quan"), null=True, blank=True)
    left_on = models.DateField(_("Ngày nghỉ"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("Cán bộ")
        verbose_name_plural = _("Cán bộ")
        ordering = ["search_key", "code"]
        indexes = [
            models.Index(fields=["search_key"], name="person_search_key"),
            models.Index(fields=["unit", "search_key"]),
            # The 2% of people in a management tier, for the summary's tier figures. Partial, so
            # that only a query saying "not without a tier" (NOT tier = '') reaches it: leaders
            # hold a quarter of all enrolments, and a query that starts from the period's
            # classes must not be turned into one that reads every leader's enrolments.
            models.Index(fields=["management_tier"], condition=~models.Q(management_tier=""),
                         name="person_in_a_tier"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def masked_national_id(self) -> str:
        return f"{'•' * 8}{self.national_id[-4:]}" if self.national_id else ""


class AssignmentQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        inner = Person.objects.all().scope_q(actor)
        if inner is None:
            return None
        return Q(person__in=Person.objects.filter(inner).values("pk"))


class Assignment(models.Model):
    """A person holding a position in a unit over a period; concurrent assignments are allowed."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="assignments",
                             verbose_name=_("Đơn vị"))
    position = models.ForeignKey("org.Position", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assignments", verbose_name=_("Vị trí việc làm"))
    valid_from = models.DateField(_("Từ ngày"))
    valid_to = models.DateField(_("Đến ngày"), null=True, blank=True)
    is_primary = models.BooleanField(_("Chính"), default=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Quá trình công tác")
        verbose_name_plural = _("Quá trình công tác")
        ordering = ["person_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="assignment_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.unit_id} {self.valid_from}–{self.valid_to or ''}"


class CredentialQuerySet(AssignmentQuerySet):
    pass


class Credential(models.Model):
    """A qualification held from its issue date: degree, political theory, state management, IT
    or foreign language, with the evidence (issuer, number). Credentials granted by completing a
    class point at the enrolment that earned them."""

    # Not indexed alone: the unique key and the covering index of Meta both start with it.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credentials", db_index=False)
    dimension = models.CharField(_("Loại"), max_length=20, choices=Dimension.choices)
    level = models.CharField(_("Trình độ"), max_length=32, choices=LEVEL_CHOICES)
    language = models.CharField(_("Ngoại ngữ"), max_length=8, blank=True)
    field = models.CharField(_("Chuyên ngành"), max_length=255, blank=True)
    issued_on = models.DateField(_("Ngày cấp"))
    issuer = models.CharField(_("Nơi cấp"), max_length=255, blank=True)
    certificate_no = models.CharField(_("Số hiệu"), max_length=64, blank=True)
    # Indexed only where set (Meta.indexes): credentials recorded from a diploma, most of them,
    # have none, and each NULL went into one spot in the middle of a full index.
    enrolment = models.ForeignKey(
        "training.Enrolment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )

    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("Trình độ, văn bằng, chứng chỉ")
        verbose_name_plural = _("Trình độ, văn bằng, chứng chỉ")
        ordering = ["person_id", "dimension", "issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "dimension", "level", "issued_on"], name="credential_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "level"]),
            # Covering index for "best level per dimension as of a date" over the whole workforce.
            models.Index(fields=["person", "issued_on", "dimension", "level", "language"],
                         name="credential_person_levels"),
            # The credentials an enrolment granted (cleared when the enrolment is deleted).
            models.Index(fields=["enrolment"], condition=Q(enrolment__isnull=False), name="credential_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.level} ({self.issued_on})"
