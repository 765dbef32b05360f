"""Units (a tree that changes over time) and the catalogue of positions and titles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import PositionKind, UnitKind
from cadretrain.core.scoping import NOTHING, ScopedQuerySet
from cadretrain.domain.access import Actor, Role

if TYPE_CHECKING:
    pass


class OrgUnitQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        if actor.is_city_wide:
            return None
        if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
            return Q(path__startswith=actor.unit_path)
        if actor.role is Role.LEARNER and actor.person_id:
            return Q(people__pk=actor.person_id)
        return NOTHING

    def current(self, as_of=None):  # type: ignore[no-untyped-def]
        """Units in existence on `as_of` (today when omitted)."""
        from django.utils import timezone

        day = as_of or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class OrgUnit(models.Model):
    """An organisational unit: the city, a department, a Party body, a district (before
    2025-07-01), a ward or commune, a public service unit. `path` is the materialised path of
    primary keys ("/1/7/42/"), so a subtree is a prefix match on SQLite and PostgreSQL alike."""

    code = models.CharField(_("Mã đơn vị"), max_length=40, unique=True)
    name = models.CharField(_("Tên đơn vị"), max_length=255)
    search_key = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("Loại"), max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("Đơn vị cấp trên"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("Hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("Hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors",
        verbose_name=_("Đơn vị kế thừa"),
    )

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("Đơn vị")
        verbose_name_plural = _("Đơn vị")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )


class Position(models.Model):
    """A job position (vị trí việc làm), leadership title or professional title."""

    code = models.CharField(_("Mã"), max_length=40, unique=True)
    name = models.CharField(_("Tên"), max_length=255)
    kind = models.CharField(_("Loại"), max_length=24, choices=PositionKind.choices)

    class Meta:
        verbose_name = _("Vị trí việc làm / chức danh")
        verbose_name_plural = _("Vị trí việc làm / chức danh")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
