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
            # A unit sees the classes it organises and those its people attend. "Attended" is
            # read from reports.UnitClass (unit of each learner × class, kept equal to the
            # enrolments in the writer's transaction): from the enrolments themselves PostgreSQL
            # hashed every enrolment of the subtree's people for each list (1.7 s for a district's
            # class list at L).
            from cadretrain.reports.models import UnitClass

            attended = UnitClass.objects.filter(unit__path__startswith=actor.unit_path).values("training_class_id")
            q = Q(organizer_unit__path__startswith=actor.unit_path) | Q(pk__in=attended)
            if actor.role is Role.UNIT_OFFICER:
                # Classes open for nominations are advertised to every unit that may nominate.
                q |= Q(status=ClassStatus.OPEN)
            return q
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
    # Optional cap on the nominations one nominating unit may send to this class.
    unit_quota = models.PositiveIntegerField(_("Chỉ tiêu mỗi đơn vị"), null=True, blank=True)

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

    # Both keys keep their single-column indexes although composite indexes start with them:
    # within one key their entries are in table order. Without the class's, PostgreSQL read a
    # class's enrolments half as fast at L; without the person's, the summary cube's refresh
    # after a 3-million-row import planned each chunk of people as a scan (96 s → 522 s).
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
    # The unit that sent the nomination (per-unit quotas count against it). Indexed only where
    # set (Meta.indexes): most enrolments have none (every one of the 3 million at L), and each
    # NULL went into one spot in the middle of a full index (about a seventh of an imported
    # row's write time on SQLite).
    nominating_unit = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("Đơn vị cử"), db_index=False,
    )
    # Set when an approved nomination found the class full: the waitlist is served in this order.
    waitlisted_at = models.DateTimeField(_("Vào danh sách chờ"), null=True, blank=True)

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
            # Covering index for the workforce gap pass: a person's completions with their date and
            # class are read from the index alone (most of the evaluation time at M/L was row reads).
            models.Index(fields=["person", "status", "completed_on", "training_class"],
                         name="enrolment_person_completions"),
            models.Index(fields=["status", "completed_on"]),
            # "classes attended by a unit's people" (class scoping, unit dashboards).
            models.Index(fields=["person", "training_class"], name="enrolment_person_class"),
            models.Index(fields=["nominating_unit"], condition=Q(nominating_unit__isnull=False),
                         name="enrolment_nominating_unit"),
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


# --- scoped children of classes and enrolments -------------------------------------------------
class ByClassQuerySet(ScopedQuerySet):
    """Rows belonging to a class are visible with the class."""

    class_field = "training_class"

    def scope_q(self, actor: Actor) -> Q | None:
        inner = TrainingClass.objects.all().scope_q(actor)
        if inner is None:
            return None
        return Q(**{f"{self.class_field}__in": TrainingClass.objects.filter(inner).values("pk")})


class ByEnrolmentQuerySet(ScopedQuerySet):
    """Rows belonging to an enrolment are visible with the enrolment."""

    enrolment_field = "enrolment"

    def scope_q(self, actor: Actor) -> Q | None:
        inner = Enrolment.objects.all().scope_q(actor)
        if inner is None:
            return None
        return Q(**{f"{self.enrolment_field}__in": Enrolment.objects.filter(inner).values("pk")})


class ClassSession(models.Model):
    """One teaching session of a class: a date, a time slot, a room or an online link, a lecturer."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE,
                                       related_name="sessions", verbose_name=_("Lớp"))
    date = models.DateField(_("Ngày"))
    start_time = models.TimeField(_("Bắt đầu"))
    end_time = models.TimeField(_("Kết thúc"))
    room = models.CharField(_("Phòng học"), max_length=120, blank=True)
    online_link = models.URLField(_("Đường dẫn trực tuyến"), blank=True)
    lecturer = models.ForeignKey("catalogue.Lecturer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="sessions", verbose_name=_("Giảng viên"))
    topic = models.CharField(_("Nội dung"), max_length=255, blank=True)

    objects = ByClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("Buổi học")
        verbose_name_plural = _("Buổi học")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")),
                                   name="session_times_in_order"),
        ]
        indexes = [models.Index(fields=["training_class", "date"]), models.Index(fields=["lecturer", "date"])]

    def __str__(self) -> str:
        return f"{self.training_class_id} {self.date} {self.start_time}"

    @property
    def hours(self) -> float:
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return (end - start) / 60


class Attendance(models.Model):
    """Whether an enrolled person attended a session."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("Có mặt"), default=True)

    objects = ByEnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Điểm danh")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}: {self.present}"


class AssessmentComponent(models.Model):
    """A graded part of a class (test, essay, project) with its weight in the final score."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE,
                                       related_name="components", verbose_name=_("Lớp"))
    name = models.CharField(_("Tên bài kiểm tra"), max_length=150)
    weight = models.DecimalField(_("Trọng số"), max_digits=5, decimal_places=2, default=1)

    objects = ByClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("Bài kiểm tra, đánh giá")
        ordering = ["training_class_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "name"], name="component_name_once"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="component_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class AssessmentScore(models.Model):
    """One enrolment's score (0–10) in one assessment component."""

    component = models.ForeignKey(AssessmentComponent, on_delete=models.CASCADE, related_name="scores")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="scores")
    score = models.DecimalField(_("Điểm"), max_digits=4, decimal_places=2)

    objects = ByEnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Điểm")
        constraints = [
            models.UniqueConstraint(fields=["component", "enrolment"], name="score_once"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=10), name="score_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.component_id}: {self.score}"


class CertificateCounter(models.Model):
    """The last number issued in an institution's certificate register for a year; incremented
    under a row lock so numbers are never duplicated or skipped."""

    institution = models.ForeignKey("catalogue.Institution", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="certificate_counter_once")]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.year}: {self.last_number}"


class CertificateStatus(models.TextChoices):
    VALID = "VALID", _("Còn hiệu lực")
    REVOKED = "REVOKED", _("Đã thu hồi")
    REPLACED = "REPLACED", _("Đã cấp lại")


class RevocationGround(models.TextChoices):
    """TT 01/2018/TT-BNV: the five cases in which a certificate is revoked."""

    FRAUD = "FRAUD", _("Gian lận trong tuyển sinh, học tập")
    UNQUALIFIED = "UNQUALIFIED", _("Cấp cho người không đủ điều kiện")
    ULTRA_VIRES = "ULTRA_VIRES", _("Cấp không đúng thẩm quyền")
    ALTERED = "ALTERED", _("Bị tẩy xóa, sửa chữa")
    LENT = "LENT", _("Cho người khác mượn")


class ReissueGround(models.TextChoices):
    INSTITUTION_ERROR = "INSTITUTION_ERROR", _("Sai sót do cơ sở đào tạo")
    LOST_OR_DAMAGED = "LOST_OR_DAMAGED", _("Bị mất, hư hỏng")


class Certificate(models.Model):
    """A certificate (giấy chứng nhận) issued for a completed enrolment, numbered in the
    institution's register per year and verifiable by its unguessable code."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="certificates")
    institution = models.ForeignKey("catalogue.Institution", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("Năm"))
    number = models.PositiveIntegerField(_("Số thứ tự"))
    serial = models.CharField(_("Số hiệu"), max_length=64)
    verification_code = models.CharField(max_length=43, unique=True)
    issued_on = models.DateField(_("Ngày cấp"))
    # Snapshots as printed, so a later rename does not rewrite a certificate already handed out.
    holder_name = models.CharField(_("Người được cấp"), max_length=150)
    programme_name = models.CharField(_("Chương trình"), max_length=255)
    status = models.CharField(_("Trạng thái"), max_length=10, choices=CertificateStatus.choices,
                              default=CertificateStatus.VALID)
    revoked_on = models.DateField(_("Ngày thu hồi"), null=True, blank=True)
    revocation_ground = models.CharField(_("Lý do thu hồi"), max_length=20,
                                         choices=RevocationGround.choices, blank=True)
    reissue_ground = models.CharField(_("Lý do cấp lại"), max_length=20,
                                      choices=ReissueGround.choices, blank=True)
    note = models.CharField(_("Ghi chú"), max_length=500, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by", verbose_name=_("Cấp lại cho"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ByEnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Giấy chứng nhận")
        verbose_name_plural = _("Giấy chứng nhận")
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "year", "number"], name="certificate_number_once"),
            models.UniqueConstraint(fields=["enrolment"], condition=Q(status="VALID"),
                                    name="certificate_one_valid_per_enrolment"),
        ]

    def __str__(self) -> str:
        return self.serial


class FeedbackResponse(models.Model):
    """A participant's one answer to the end-of-class survey (ratings 1–5)."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="feedback")
    relevance = models.PositiveSmallIntegerField(_("Mức độ phù hợp"))
    content = models.PositiveSmallIntegerField(_("Nội dung"))
    organisation = models.PositiveSmallIntegerField(_("Công tác tổ chức"))
    comment = models.TextField(_("Góp ý"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    objects = ByEnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Phiếu đánh giá khóa học")
        constraints = [
            models.CheckConstraint(
                condition=Q(relevance__gte=1, relevance__lte=5) & Q(content__gte=1, content__lte=5)
                & Q(organisation__gte=1, organisation__lte=5),
                name="feedback_ratings_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"feedback {self.enrolment_id}"


class LecturerRating(models.Model):
    """A participant's rating (1–5) of one lecturer of the class, part of their feedback."""

    response = models.ForeignKey(FeedbackResponse, on_delete=models.CASCADE, related_name="lecturer_ratings")
    lecturer = models.ForeignKey("catalogue.Lecturer", on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("Điểm đánh giá"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "lecturer"], name="lecturer_rating_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="lecturer_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.lecturer_id}: {self.score}"
