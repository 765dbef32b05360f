"""Classes and enrolments, plus the person-year periods kept up to date from completions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import ClassMode, ClassStatus, EnrolmentStatus
from cadretrain.core.scoping import NOTHING, ScopedQuerySet
from cadretrain.domain.access import Actor, Role


class TrainingClassQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        if actor.is_city_wide:
            return None
        if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
            # A unit sees the classes it organises and those its people attend.
            from cadretrain.people.models import Person

            own_people = Person.objects.filter(unit__path__startswith=actor.unit_path).values("pk")
            attended = Enrolment.objects.filter(person__in=own_people).values("training_class_id")
            return Q(organizer_unit__path__startswith=actor.unit_path) | Q(pk__in=attended)
        if actor.role is Role.INSTITUTION_STAFF and actor.institution_id:
            return Q(institution_id=actor.institution_id)
        if actor.role is Role.LEARNER and actor.person_id:
            return Q(pk__in=Enrolment.objects.filter(person_id=actor.person_id).values("training_class_id"))
        return NOTHING


class TrainingClass(models.Model):
    """A class (lớp) of a programme, organised by a unit, possibly at an institution or abroad.
    `enrolled` counts seats taken (ENROLLED/COMPLETED/FAILED) and is only changed by conditional
    updates, so capacity holds under concurrent requests."""

    code = models.CharField(_("Mã lớp"), max_length=40, unique=True)
    programme = models.ForeignKey(
        "catalogue.Programme", on_delete=models.PROTECT, related_name="classes",
        verbose_name=_("Chương trình"),
    )
    name = models.CharField(_("Tên lớp"), max_length=255)
    search_key = models.CharField(max_length=255, db_index=True, editable=False)
    organizer_unit = models.ForeignKey(
        "org.OrgUnit", on_delete=models.PROTECT, related_name="organized_classes",
        verbose_name=_("Đơn vị tổ chức"),
    )
    institution = models.ForeignKey(
        "catalogue.Institution", null=True, blank=True, on_delete=models.PROTECT,
        related_name="classes", verbose_name=_("Cơ sở đào tạo"),
    )
    partner = models.ForeignKey(
        "catalogue.Institution", null=True, blank=True, on_delete=models.PROTECT,
        related_name="partner_classes", verbose_name=_("Đối tác"),
    )
    country = models.CharField(_("Quốc gia"), max_length=2, default="VN")
    start_date = models.DateField(_("Ngày bắt đầu"), db_index=True)
    end_date = models.DateField(_("Ngày kết thúc"))
    capacity = models.PositiveIntegerField(_("Số chỗ"), null=True, blank=True)
    enrolled = models.PositiveIntegerField(_("Đã ghi danh"), default=0)
    cost_vnd = models.BigIntegerField(_("Kinh phí (VNĐ)"), null=True, blank=True)
    mode = models.CharField(_("Hình thức"), max_length=16, choices=ClassMode.choices,
                            default=ClassMode.TAP_TRUNG)
    status = models.CharField(_("Trạng thái"), max_length=10, choices=ClassStatus.choices,
                              default=ClassStatus.PLANNED)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("Lớp")
        verbose_name_plural = _("Lớp")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="class_dates_in_order"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(enrolled__lte=models.F("capacity")),
                name="class_not_overbooked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_abroad(self) -> bool:
        return self.country != "VN"


class EnrolmentQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        if actor.is_city_wide:
            return None
        if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
            return Q(person__unit__path__startswith=actor.unit_path)
        if actor.role is Role.LEARNER and actor.person_id:
            return Q(person_id=actor.person_id)
        if actor.role is Role.INSTITUTION_STAFF and actor.institution_id:
            return Q(training_class__institution_id=actor.institution_id)
        return NOTHING


# Statuses that hold a seat in the class.
SEAT_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)


class Enrolment(models.Model):
    """A person in a class: nominated, enrolled, completed, failed or withdrawn, with the result."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE,
                                       related_name="enrolments", verbose_name=_("Lớp"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT,
                               related_name="enrolments", verbose_name=_("Học viên"))
    status = models.CharField(_("Trạng thái"), max_length=10, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ENROLLED)
    score = models.DecimalField(_("Điểm"), max_digits=4, decimal_places=2, null=True, blank=True)
    completed_on = models.DateField(_("Ngày hoàn thành"), null=True, blank=True)
    certificate_no = models.CharField(_("Số chứng chỉ"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Học viên của lớp")
        verbose_name_plural = _("Học viên của lớp")
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="enrolment_once_per_class"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=10)),
                name="enrolment_score_0_10",
            ),
            models.CheckConstraint(
                condition=~Q(status="COMPLETED") | Q(completed_on__isnull=False),
                name="enrolment_completed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["status", "completed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.training_class_id} ({self.status})"


class PersonYearPeriods(models.Model):
    """Periods (tiết) of COMPLETED classes per person and calendar year of completion, kept up to
    date by every enrolment change and import so that annual-period standards never scan the raw
    enrolments (see training.summaries; a test proves it equals the raw rows)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    periods = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="person_year_unique")]
        indexes = [models.Index(fields=["year", "person"])]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.year}: {self.periods}"
