"""Training abroad: agreements (MOUs, contracts) with partner institutions, delegations sent
abroad with their funding, and each participant's return, service commitment and reimbursement.

Partners are catalogue institutions outside Viet Nam (`catalogue.Institution`, the same rows an
abroad class points at); agreements are not personal data. Missions are seen by the units that
send them and by the units whose people take part; participants and reimbursements by the units
of the people concerned (their subtree)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cadretrain.core.scoping import NOTHING, ScopedQuerySet
from cadretrain.domain.access import Actor, Role


class AgreementKind(models.TextChoices):
    MOU = "MOU", _("Biên bản ghi nhớ (MOU)")
    COOPERATION = "COOPERATION", _("Thỏa thuận hợp tác")
    CONTRACT = "CONTRACT", _("Hợp đồng đào tạo")


class AgreementQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        # Agreements are public documents of the city: every office that sends people may read them.
        if actor.is_city_wide or actor.role in (Role.UNIT_OFFICER, Role.VIEWER):
            return None
        return NOTHING


class Agreement(models.Model):
    """An MOU, cooperation agreement or training contract with a partner institution abroad,
    valid between two dates (open-ended when no end), with the reference of its document."""

    partner = models.ForeignKey("catalogue.Institution", on_delete=models.PROTECT, related_name="agreements",
                                verbose_name=_("Đối tác"))
    kind = models.CharField(_("Loại văn bản"), max_length=12, choices=AgreementKind.choices,
                            default=AgreementKind.MOU)
    title = models.CharField(_("Tên văn bản"), max_length=255)
    reference = models.CharField(_("Số, ký hiệu"), max_length=80, blank=True)
    signed_on = models.DateField(_("Ngày ký"), null=True, blank=True)
    valid_from = models.DateField(_("Hiệu lực từ"))
    valid_to = models.DateField(_("Hiệu lực đến"), null=True, blank=True)
    document = models.CharField(_("Văn bản (đường dẫn, nơi lưu)"), max_length=500, blank=True)
    note = models.TextField(_("Ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("Thỏa thuận hợp tác")
        verbose_name_plural = _("Thỏa thuận hợp tác")
        ordering = ["-valid_from", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="agreement_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.title}"

    def in_force_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class MissionKind(models.TextChoices):
    """KL 39-KL/TW groups overseas fostering as short-term, mid-term and language; degree
    training carries the statutory service commitment (NĐ 101/2017, NĐ 171/2025)."""

    SHORT_TERM = "SHORT_TERM", _("Bồi dưỡng ngắn hạn")
    MID_TERM = "MID_TERM", _("Bồi dưỡng trung hạn")
    LANGUAGE = "LANGUAGE", _("Bồi dưỡng ngoại ngữ")
    DEGREE = "DEGREE", _("Đào tạo có cấp văn bằng")


class MissionStatus(models.TextChoices):
    PLANNED = "PLANNED", _("Dự kiến")
    APPROVED = "APPROVED", _("Đã có quyết định cử")
    COMPLETED = "COMPLETED", _("Đã về nước")
    CANCELLED = "CANCELLED", _("Đã hủy")


def _unit_subtree(actor: Actor) -> str | None:
    if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
        return actor.unit_path
    return None


class MissionQuerySet(ScopedQuerySet):
    def scope_q(self, actor: Actor) -> Q | None:
        if actor.is_city_wide:
            return None
        path = _unit_subtree(actor)
        if path is None:
            return NOTHING
        own_people = Participant.objects.filter(person__unit__path__startswith=path).values("mission_id")
        return Q(organizer_unit__path__startswith=path) | Q(pk__in=own_people)


class Mission(models.Model):
    """A delegation sent abroad (đoàn đi nước ngoài): for an abroad class or standing alone, with
    dates, country, partner, agreement, the sending decision and its funding by source (the
    sources add up to the total, enforced here and by the database)."""

    code = models.CharField(_("Mã đoàn"), max_length=40, unique=True)
    title = models.CharField(_("Tên đoàn"), max_length=255)
    search_key = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("Loại"), max_length=12, choices=MissionKind.choices, default=MissionKind.SHORT_TERM)
    organizer_unit = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="abroad_missions",
                                       verbose_name=_("Đơn vị cử"))
    training_class = models.ForeignKey("training.TrainingClass", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="abroad_missions", verbose_name=_("Lớp"))
    partner = models.ForeignKey("catalogue.Institution", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="abroad_missions", verbose_name=_("Đối tác"))
    agreement = models.ForeignKey(Agreement, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="missions", verbose_name=_("Thỏa thuận"))
    country = models.CharField(_("Quốc gia"), max_length=2)
    departure_date = models.DateField(_("Ngày đi"), db_index=True)
    return_date = models.DateField(_("Ngày về"))
    decision_ref = models.CharField(_("Quyết định cử đoàn"), max_length=120, blank=True)
    status = models.CharField(_("Trạng thái"), max_length=10, choices=MissionStatus.choices,
                              default=MissionStatus.PLANNED)
    budget_state = models.BigIntegerField(_("Ngân sách nhà nước"), default=0)
    budget_partner = models.BigIntegerField(_("Đối tác, nhà tài trợ"), default=0)
    budget_unit = models.BigIntegerField(_("Kinh phí đơn vị"), default=0)
    budget_learner = models.BigIntegerField(_("Học viên tự túc"), default=0)
    budget_total = models.BigIntegerField(_("Tổng kinh phí"), default=0)
    note = models.TextField(_("Ghi chú"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Đoàn đi nước ngoài")
        verbose_name_plural = _("Đoàn đi nước ngoài")
        ordering = ["-departure_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(return_date__gte=F("departure_date")), name="mission_dates_in_order"),
            models.CheckConstraint(
                condition=Q(budget_state__gte=0, budget_partner__gte=0, budget_unit__gte=0, budget_learner__gte=0),
                name="mission_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(budget_total=F("budget_state") + F("budget_partner") + F("budget_unit")
                            + F("budget_learner")),
                name="mission_budget_adds_up"),
            models.CheckConstraint(condition=~Q(country="VN"), name="mission_abroad"),
        ]
        indexes = [models.Index(fields=["organizer_unit", "departure_date"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Outcome(models.TextChoices):
    PENDING = "PENDING", _("Chưa có kết quả")
    COMPLETED = "COMPLETED", _("Hoàn thành, có văn bằng/chứng chỉ")
    NO_DIPLOMA = "NO_DIPLOMA", _("Không được cấp văn bằng")
    QUIT_DURING = "QUIT_DURING", _("Tự ý bỏ học, thôi việc trong thời gian học")
    DISMISSED_DURING = "DISMISSED_DURING", _("Bị buộc thôi việc trong thời gian học")


class LeaveReason(models.TextChoices):
    QUIT = "QUIT", _("Tự ý thôi việc")
    TRANSFER_OUT = "TRANSFER_OUT", _("Chuyển công tác ra ngoài")
    DISMISSED = "DISMISSED", _("Bị buộc thôi việc")


class ByPersonUnitQuerySet(ScopedQuerySet):
    """Rows about one person are visible to the units over that person (and the city)."""

    person_field = "person"

    def scope_q(self, actor: Actor) -> Q | None:
        if actor.is_city_wide:
            return None
        path = _unit_subtree(actor)
        if path is not None:
            return Q(**{f"{self.person_field}__unit__path__startswith": path})
        if actor.role is Role.LEARNER and actor.person_id:
            return Q(**{f"{self.person_field}_id": actor.person_id})
        return NOTHING


class Participant(models.Model):
    """One person in a delegation: cost paid for them, return, outcome, service commitment
    (months after return, with its legal basis) and, if they left early, when and why."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="participants",
                                verbose_name=_("Đoàn"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="abroad_participations",
                               verbose_name=_("Cán bộ"))
    is_head = models.BooleanField(_("Trưởng đoàn"), default=False)
    cost_vnd = models.BigIntegerField(_("Chi phí đào tạo cho người học (VNĐ)"), null=True, blank=True)
    outcome = models.CharField(_("Kết quả"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    returned_on = models.DateField(_("Ngày về nước"), null=True, blank=True)
    training_months = models.PositiveSmallIntegerField(_("Thời gian đào tạo (tháng)"), null=True, blank=True)
    commitment_months = models.PositiveSmallIntegerField(_("Cam kết công tác (tháng)"), null=True, blank=True)
    commitment_basis = models.CharField(_("Căn cứ cam kết"), max_length=40, blank=True)
    commitment_ends_on = models.DateField(_("Hết cam kết"), null=True, blank=True, db_index=True)
    left_on = models.DateField(_("Ngày nghỉ việc, chuyển đi"), null=True, blank=True)
    left_reason = models.CharField(_("Lý do"), max_length=12, choices=LeaveReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ByPersonUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("Thành viên đoàn")
        verbose_name_plural = _("Thành viên đoàn")
        ordering = ["mission_id", "-is_head", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "person"], name="participant_once_per_mission"),
            models.CheckConstraint(condition=Q(cost_vnd__isnull=True) | Q(cost_vnd__gte=0),
                                   name="participant_cost_not_negative"),
        ]
        indexes = [models.Index(fields=["person", "mission"])]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.mission_id}"

    @property
    def reimbursement_or_none(self) -> Reimbursement | None:
        try:
            return self.reimbursement  # type: ignore[no-any-return]
        except Reimbursement.DoesNotExist:
            return None


class ReimbursementStatus(models.TextChoices):
    OWED = "OWED", _("Phải bồi hoàn")
    PAID = "PAID", _("Đã nộp")
    WAIVED = "WAIVED", _("Được miễn")


class ReimbursementCase(models.TextChoices):
    FULL = "FULL", _("Bồi hoàn toàn bộ chi phí")
    PRO_RATA = "PRO_RATA", _("Bồi hoàn theo thời gian cam kết còn lại")


class ReimbursementQuerySet(ByPersonUnitQuerySet):
    person_field = "participant__person"


class Reimbursement(models.Model):
    """The cost a participant owes for leaving before the commitment ended (or for quitting,
    being dismissed or getting no diploma), with the inputs of the formula as decided and
    whether it was paid or waived (with the reason)."""

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="reimbursement")
    case = models.CharField(_("Trường hợp"), max_length=10, choices=ReimbursementCase.choices)
    cost_vnd = models.BigIntegerField(_("Chi phí đào tạo (F)"))
    commitment_months = models.PositiveSmallIntegerField(_("Thời gian cam kết (T1, tháng)"), default=0)
    served_months = models.PositiveSmallIntegerField(_("Thời gian đã phục vụ (T2, tháng)"), default=0)
    amount_vnd = models.BigIntegerField(_("Số tiền phải bồi hoàn"))
    decided_on = models.DateField(_("Ngày quyết định"))
    decision_ref = models.CharField(_("Quyết định bồi hoàn"), max_length=120, blank=True)
    status = models.CharField(_("Trạng thái"), max_length=8, choices=ReimbursementStatus.choices,
                              default=ReimbursementStatus.OWED, db_index=True)
    settled_on = models.DateField(_("Ngày nộp / miễn"), null=True, blank=True)
    settle_note = models.CharField(_("Lý do, ghi chú"), max_length=500, blank=True)

    objects = ReimbursementQuerySet.as_manager()

    class Meta:
        verbose_name = _("Bồi hoàn chi phí đào tạo")
        verbose_name_plural = _("Bồi hoàn chi phí đào tạo")
        ordering = ["-decided_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_vnd__gte=0) & Q(amount_vnd__lte=F("cost_vnd")),
                                   name="reimbursement_within_cost"),
            models.CheckConstraint(condition=~Q(status="WAIVED") | ~Q(settle_note=""),
                                   name="reimbursement_waiver_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.amount_vnd} ({self.status})"
