"""The training catalogue: programmes, training institutions (domestic and partner abroad) and
lecturers. Catalogue data is not personal: every signed-in role may read it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import LEVEL_CHOICES, Dimension, ProgrammeKind


class ContentArea(models.TextChoices):
    """The five content areas of fostering under NĐ 171/2025/NĐ-CP."""

    POLITICAL_THEORY = "POLITICAL_THEORY", _("Lý luận chính trị")
    DEFENCE_SECURITY = "DEFENCE_SECURITY", _("Kiến thức quốc phòng và an ninh")
    STATE_MANAGEMENT = "STATE_MANAGEMENT", _("Kiến thức, kỹ năng quản lý nhà nước")
    JOB_POSITION = "JOB_POSITION", _("Kiến thức, kỹ năng theo yêu cầu vị trí việc làm")
    SCIENCE_DIGITAL = "SCIENCE_DIGITAL", _(
        "Khoa học công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số"
    )


class Institution(models.Model):
    """A training institution: a school, academy or university, in Viet Nam or a partner abroad."""

    name = models.CharField(_("Tên cơ sở đào tạo"), max_length=255, unique=True)
    search_key = models.CharField(max_length=255, db_index=True, editable=False)
    country = models.CharField(_("Quốc gia"), max_length=2, default="VN")
    is_partner = models.BooleanField(_("Đối tác nước ngoài"), default=False)
    # Printed before certificate numbers ("LHP/2026/00012"); the id is used when empty.
    short_code = models.CharField(_("Ký hiệu"), max_length=20, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("Cơ sở đào tạo")
        verbose_name_plural = _("Cơ sở đào tạo")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """A programme (chương trình) of a given kind; completing it may grant a credential level."""

    code = models.CharField(_("Mã chương trình"), max_length=40, unique=True)
    name = models.CharField(_("Tên chương trình"), max_length=255)
    search_key = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("Loại"), max_length=24, choices=ProgrammeKind.choices)
    grants_dimension = models.CharField(
        _("Cấp trình độ"), max_length=20, choices=Dimension.choices, blank=True
    )
    grants_level = models.CharField(_("Mức"), max_length=32, choices=LEVEL_CHOICES, blank=True)
    grants_language = models.CharField(_("Ngoại ngữ"), max_length=8, blank=True)
    periods = models.PositiveIntegerField(_("Số tiết"), default=0)
    topics = models.CharField(_("Chủ đề"), max_length=500, blank=True)
    description = models.TextField(_("Mô tả"), blank=True)
    content_area = models.CharField(
        _("Nội dung bồi dưỡng (NĐ 171/2025)"), max_length=20, choices=ContentArea.choices, blank=True,
        default="", db_default="",
    )
    target_groups = models.CharField(_("Đối tượng"), max_length=500, blank=True, default="", db_default="")
    # The TT 01/2018 result rule, configurable per programme.
    # Database defaults too: bulk loaders (demo, importer) insert rows without these columns.
    requires_full_attendance = models.BooleanField(_("Yêu cầu dự đủ thời gian"), default=True, db_default=True)
    min_component_score = models.DecimalField(
        _("Điểm tối thiểu mỗi bài"), max_digits=4, decimal_places=2, default=5, db_default=5
    )

    class Meta:
        verbose_name = _("Chương trình")
        verbose_name_plural = _("Chương trình")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(grants_dimension="") & Q(grants_level=""))
                | (~Q(grants_dimension="") & ~Q(grants_level="")),
                name="programme_grants_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(min_component_score__gte=0) & Q(min_component_score__lte=10),
                name="programme_min_score_0_10",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Lecturer(models.Model):
    """A lecturer, internal to an institution or a guest."""

    full_name = models.CharField(_("Họ và tên"), max_length=150)
    search_key = models.CharField(max_length=150, db_index=True, editable=False)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="lecturers"
    )
    is_guest = models.BooleanField(_("Giảng viên thỉnh giảng"), default=False)
    fields = models.CharField(_("Lĩnh vực"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("Giảng viên")
        verbose_name_plural = _("Giảng viên")
        ordering = ["search_key"]

    def __str__(self) -> str:
        return self.full_name
