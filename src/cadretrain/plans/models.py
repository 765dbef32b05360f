"""Annual training plans with their approval trail, the link from plan items to the classes that
realise them, seats of merged (shared) classes per unit, and allocation proposals."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadretrain.core.scoping import NOTHING, ScopedQuerySet
from cadretrain.domain.access import Actor, Role


class PlanStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Dự thảo")
    SUBMITTED = "SUBMITTED", _("Đã trình")
    RETURNED = "RETURNED", _("Trả lại")
    APPROVED = "APPROVED", _("Đã phê duyệt")


def _unit_scope(actor: Actor, field: str) -> Q | None:
    """A unit sees its own plans and its children's (its subtree); the city sees all."""
    if actor.is_city_wide:
        return None
    if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
        return Q(**{f"{field}__startswith": actor.unit_path})
    return NOTHING


class TrainingPlanQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        return _unit_scope(actor, "unit__path")


class TrainingPlan(models.Model):
    """A unit's training plan for one year; `version` grows with every change so that two
    approvers (or an editor and an approver) cannot both act on the same state."""

    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="training_plans",
                             verbose_name=_("Đơn vị"))
    year = models.PositiveSmallIntegerField(_("Năm"))
    title = models.CharField(_("Tên kế hoạch"), max_length=255, blank=True)
    status = models.CharField(_("Trạng thái"), max_length=10, choices=PlanStatus.choices,
                              default=PlanStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("Kế hoạch đào tạo, bồi dưỡng")
        verbose_name_plural = _("Kế hoạch đào tạo, bồi dưỡng")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="plan_once_per_unit_year")]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}"


class PlanItemQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        return _unit_scope(actor, "plan__unit__path")


class PlanItem(models.Model):
    """One line of a plan: a programme (or a free-text need), who and how many, the quarter and
    the budget split by funding source (the lines add up to `budget_total`)."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="items")
    programme = models.ForeignKey("catalogue.Programme", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="plan_items", verbose_name=_("Chương trình"))
    need = models.CharField(_("Nội dung / nhu cầu"), max_length=500, blank=True)
    search_key = models.CharField(max_length=500, editable=False, blank=True)
    target_group = models.CharField(_("Đối tượng"), max_length=255, blank=True)
    people = models.PositiveIntegerField(_("Số người"))
    quarter = models.PositiveSmallIntegerField(_("Quý"))
    budget_state = models.BigIntegerField(_("Ngân sách nhà nước"), default=0)
    budget_unit = models.BigIntegerField(_("Kinh phí đơn vị"), default=0)
    budget_learner = models.BigIntegerField(_("Học viên đóng góp"), default=0)
    budget_sponsor = models.BigIntegerField(_("Tài trợ"), default=0)
    budget_total = models.BigIntegerField(_("Tổng kinh phí"), default=0)
    gap_dimension = models.CharField(max_length=32, blank=True)
    gap_level = models.CharField(max_length=32, blank=True)
    # Bumped on every write (bulk_create included): the overlap scan's fingerprint reads it.
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("Nội dung kế hoạch")
        verbose_name_plural = _("Nội dung kế hoạch")
        ordering = ["plan_id", "quarter", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="planitem_quarter_1_4"),
            models.CheckConstraint(
                condition=Q(budget_total=models.F("budget_state") + models.F("budget_unit")
                            + models.F("budget_learner") + models.F("budget_sponsor")),
                name="planitem_budget_adds_up",
            ),
            models.CheckConstraint(condition=Q(programme__isnull=False) | ~Q(need=""),
                                   name="planitem_programme_or_need"),
        ]

    def __str__(self) -> str:
        return self.need or str(self.programme_id)


class PlanEventQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        return _unit_scope(actor, "plan__unit__path")


class PlanEvent(models.Model):
    """One step of a plan's life: who did what, when, from which status to which, and why."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="events")
    actor_id = models.IntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    version = models.PositiveIntegerField()
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = PlanEventQuerySet.as_manager()

    class Meta:
        ordering = ["plan_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.action} {self.from_status}→{self.to_status}"


class PlanItemClassQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        return _unit_scope(actor, "plan_item__plan__unit__path")


class PlanItemClass(models.Model):
    """A class that realises (part of) a plan item: the link that makes plan-versus-actual."""

    plan_item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="class_links")
    training_class = models.ForeignKey("training.TrainingClass", on_delete=models.CASCADE, related_name="+")

    objects = PlanItemClassQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan_item", "training_class"], name="planitemclass_once")]

    def __str__(self) -> str:
        return f"{self.plan_item_id} → {self.training_class_id}"


class SeatAllocationQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        return _unit_scope(actor, "unit__path")


class SeatAllocation(models.Model):
    """Seats of a shared class reserved for one unit (set when the city merges overlapping items)."""

    training_class = models.ForeignKey("training.TrainingClass", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField()
    plan_item = models.ForeignKey(PlanItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = SeatAllocationQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["training_class", "unit"], name="seatallocation_once")]

    def __str__(self) -> str:
        return f"{self.training_class_id}/{self.unit_id}: {self.seats}"


class AllocationRunQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        return _unit_scope(actor, "unit__path")


class AllocationRun(models.Model):
    """A proposal of the allocation optimiser (who goes to which class), kept so that the officer
    can review and edit it before turning it into nominations."""

    unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    budget = models.BigIntegerField(null=True, blank=True)
    objective = models.FloatField(default=0)
    bound = models.FloatField(default=0)
    result = models.JSONField(default=dict)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = AllocationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"allocation {self.pk}"


class OverlapScanQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        """A scan is read by whoever shares its scope: the city's (empty scope) by the city, a
        unit's by the officers and viewers of that unit."""
        if actor.is_city_wide:
            return Q(scope_path="")
        if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
            return Q(scope_path=actor.unit_path)
        return NOTHING


class OverlapScan(models.Model):
    """The stored result of one overlap detection over a year's plan items and classes, as seen
    from one scope (the city, or a unit's subtree). Computed in the background (it takes seconds
    at city scale); `fingerprint` summarises the data it read so that the page can tell when plan
    items or classes changed since (the result is then shown as stale until recomputed)."""

    year = models.PositiveSmallIntegerField()
    scope_path = models.CharField(max_length=255, blank=True)
    job = models.ForeignKey("core.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    running = models.BooleanField(default=True)
    failed = models.BooleanField(default=False)
    fingerprint = models.CharField(max_length=64, blank=True)
    members = models.PositiveIntegerField(default=0)
    clusters = models.JSONField(default=list, blank=True)

    objects = OverlapScanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["year", "scope_path", "-created_at"])]
        constraints = [
            # One scan at a time per year and scope: a second "recompute" while one runs is refused.
            models.UniqueConstraint(fields=["year", "scope_path"], condition=Q(running=True),
                                    name="overlapscan_one_running"),
        ]

    def __str__(self) -> str:
        return f"overlaps {self.year} {self.scope_path or '*'} #{self.pk}"
