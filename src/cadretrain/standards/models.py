"""Standards as data: effective-dated versions of a title/position/category standard, each an AND
of groups of alternative requirement rows. Standards are not personal data: every signed-in role
may read them; only city administrators change them (through services)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import Category, ManagementTier, RequirementDimension


class Standard(models.Model):
    """One version of a standard (tiêu chuẩn), in force from `valid_from` to `valid_to` (inclusive),
    binding the people whose position, category and management tier match its non-empty filters.
    A change to a standard in force is a new version from a date; past versions are never edited."""

    code = models.CharField(_("Mã tiêu chuẩn"), max_length=40)
    name = models.CharField(_("Tên"), max_length=255, blank=True)
    position = models.ForeignKey(
        "org.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="standards",
        verbose_name=_("Vị trí việc làm"),
    )
    category = models.CharField(_("Loại cán bộ"), max_length=24, choices=Category.choices, blank=True)
    management_tier = models.CharField(
        _("Diện quản lý"), max_length=16, choices=ManagementTier.choices, blank=True
    )
    valid_from = models.DateField(_("Hiệu lực từ"))
    valid_to = models.DateField(_("Hiệu lực đến"), null=True, blank=True)
    legal_basis = models.CharField(_("Căn cứ"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Tiêu chuẩn")
        verbose_name_plural = _("Tiêu chuẩn")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="standard_version_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="standard_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["valid_from", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from:%d/%m/%Y})"


class Requirement(models.Model):
    """One row of a standard: in group `group`, the dimension and minimum level (or N months /
    N periods for the derived dimensions); rows of the same group are alternatives."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="requirements")
    ordinal = models.PositiveSmallIntegerField(default=0)
    group = models.CharField(_("Nhóm"), max_length=20)
    dimension = models.CharField(_("Loại"), max_length=24, choices=RequirementDimension.choices)
    min_level = models.CharField(_("Mức tối thiểu"), max_length=32)
    language = models.CharField(_("Ngoại ngữ"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("Yêu cầu của tiêu chuẩn")
        verbose_name_plural = _("Yêu cầu của tiêu chuẩn")
        ordering = ["standard_id", "ordinal", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "group", "dimension", "language"], name="requirement_row_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.dimension} ≥ {self.min_level}"


class ComplianceDay(models.Model):
    """A day whose compliance with the standards is kept person by person in PersonCompliance
    (cadretrain.standards.compliance): the period ends and "today"s that reports were asked for."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.day.isoformat()


class PersonCompliance(models.Model):
    """One person employed on `day`: their current unit and the dimensions in which some group
    of a standard binding them is unmet on that day (a bit per dimension, 0: meets every
    standard). Kept equal to the evaluation of the raw rows on every change (see
    cadretrain.standards.compliance). Derived rows, written in bulk: no foreign-key constraints."""

    pk = models.CompositePrimaryKey("day", "person")
    day = models.DateField()
    person = models.ForeignKey("people.Person", on_delete=models.DO_NOTHING, db_constraint=False,
                               db_index=False, related_name="+")
    unit = models.ForeignKey("org.OrgUnit", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+")
    gaps = models.PositiveIntegerField()

    class Meta:
        # A day's counts per unit read from the index alone (unit, gaps), in unit order.
        indexes = [models.Index(fields=["day", "unit", "gaps"], name="standards_pc_day_unit_gaps")]

    def __str__(self) -> str:
        return f"{self.day}/{self.person_id}"
