"""Enumerations of spec/interchange.md as Django choices, labelled in Vietnamese (msgids) with
English translations in locale/en. Codes are the interchange codes, never translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UnitKind(models.TextChoices):
    CITY = "CITY", _("Thành phố")
    PARTY_BODY = "PARTY_BODY", _("Cơ quan Đảng")
    DEPARTMENT = "DEPARTMENT", _("Sở, ban, ngành")
    DISTRICT = "DISTRICT", _("Quận, huyện, thị xã")
    WARD = "WARD", _("Phường")
    COMMUNE = "COMMUNE", _("Xã")
    PUBLIC_SERVICE_UNIT = "PUBLIC_SERVICE_UNIT", _("Đơn vị sự nghiệp công lập")
    SCHOOL = "SCHOOL", _("Trường")
    OTHER = "OTHER", _("Khác")


class PositionKind(models.TextChoices):
    LEADERSHIP = "LEADERSHIP", _("Lãnh đạo, quản lý")
    SPECIALIST = "SPECIALIST", _("Chuyên môn, nghiệp vụ")
    SUPPORT = "SUPPORT", _("Hỗ trợ, phục vụ")
    PROFESSIONAL_TITLE = "PROFESSIONAL_TITLE", _("Chức danh nghề nghiệp")


class Category(models.TextChoices):
    CAN_BO = "CAN_BO", pgettext_lazy("category", "Cán bộ")
    CONG_CHUC = "CONG_CHUC", _("Công chức")
    VIEN_CHUC = "VIEN_CHUC", _("Viên chức")
    HOP_DONG_LAO_DONG = "HOP_DONG_LAO_DONG", _("Hợp đồng lao động")
    KHONG_CHUYEN_TRACH = "KHONG_CHUYEN_TRACH", _("Người hoạt động không chuyên trách")


class ManagementTier(models.TextChoices):
    BCT_BBT = "BCT_BBT", _("Diện Bộ Chính trị, Ban Bí thư quản lý")
    BTV_THANH_UY = "BTV_THANH_UY", _("Diện Ban Thường vụ Thành ủy quản lý")
    DON_VI = "DON_VI", _("Diện cơ quan, đơn vị quản lý")


class Gender(models.TextChoices):
    M = "M", _("Nam")
    F = "F", _("Nữ")


class Dimension(models.TextChoices):
    EDUCATION = "EDUCATION", _("Trình độ chuyên môn")
    POLITICAL_THEORY = "POLITICAL_THEORY", _("Lý luận chính trị")
    STATE_MANAGEMENT = "STATE_MANAGEMENT", _("Quản lý nhà nước")
    IT = "IT", _("Tin học")
    FOREIGN_LANGUAGE = "FOREIGN_LANGUAGE", _("Ngoại ngữ")


class RequirementDimension(models.TextChoices):
    EDUCATION = "EDUCATION", _("Trình độ chuyên môn")
    POLITICAL_THEORY = "POLITICAL_THEORY", _("Lý luận chính trị")
    STATE_MANAGEMENT = "STATE_MANAGEMENT", _("Quản lý nhà nước")
    IT = "IT", _("Tin học")
    FOREIGN_LANGUAGE = "FOREIGN_LANGUAGE", _("Ngoại ngữ")
    KNOWLEDGE_UPDATE_MONTHS = "KNOWLEDGE_UPDATE_MONTHS", _("Cập nhật kiến thức (số tháng)")
    ANNUAL_PERIODS = "ANNUAL_PERIODS", _("Số tiết bồi dưỡng trong năm")


# Every level of every credential dimension, labelled; ordering lives in domain.levels.
LEVEL_LABELS = {
    "DUOI_CAO_DANG": _("Dưới cao đẳng"),
    "CAO_DANG": _("Cao đẳng"),
    "DAI_HOC": _("Đại học"),
    "THAC_SI": _("Thạc sĩ"),
    "TIEN_SI": _("Tiến sĩ"),
    "SO_CAP": _("Sơ cấp"),
    "TRUNG_CAP": _("Trung cấp"),
    "CAO_CAP": _("Cao cấp"),
    "CU_NHAN": _("Cử nhân chính trị"),
    "CAO_CAP_LLCT_HANH_CHINH": _("Cao cấp lý luận chính trị - hành chính"),
    "CHUYEN_VIEN": _("Chuyên viên"),
    "CHUYEN_VIEN_CHINH": _("Chuyên viên chính"),
    "CHUYEN_VIEN_CAO_CAP": _("Chuyên viên cao cấp"),
    "CO_BAN": _("Cơ bản"),
    "NANG_CAO": _("Nâng cao"),
    "BAC_1": _("Bậc 1 (A1)"),
    "BAC_2": _("Bậc 2 (A2)"),
    "BAC_3": _("Bậc 3 (B1)"),
    "BAC_4": _("Bậc 4 (B2)"),
    "BAC_5": _("Bậc 5 (C1)"),
    "BAC_6": _("Bậc 6 (C2)"),
}
LEVEL_CHOICES = list(LEVEL_LABELS.items())


class RankCode(models.TextChoices):
    R01_001 = "01.001", _("Chuyên viên cao cấp")
    R01_002 = "01.002", _("Chuyên viên chính")
    R01_003 = "01.003", _("Chuyên viên")
    R01_004 = "01.004", _("Cán sự")
    R01_005 = "01.005", _("Nhân viên")
    HANG_I = "HANG_I", _("Hạng I")
    HANG_II = "HANG_II", _("Hạng II")
    HANG_III = "HANG_III", _("Hạng III")
    HANG_IV = "HANG_IV", _("Hạng IV")
    HANG_V = "HANG_V", _("Hạng V")


class ProgrammeKind(models.TextChoices):
    POLITICAL_THEORY = "POLITICAL_THEORY", _("Lý luận chính trị")
    STATE_MANAGEMENT = "STATE_MANAGEMENT", _("Quản lý nhà nước")
    KNOWLEDGE_UPDATE = "KNOWLEDGE_UPDATE", _("Cập nhật kiến thức")
    PROFESSIONAL = "PROFESSIONAL", _("Chuyên môn, nghiệp vụ")
    UNDERGRADUATE = "UNDERGRADUATE", _("Đại học")
    POSTGRADUATE = "POSTGRADUATE", _("Sau đại học")
    FOREIGN_LANGUAGE = "FOREIGN_LANGUAGE", _("Ngoại ngữ")
    IT = "IT", _("Tin học")
    SOFT_SKILLS = "SOFT_SKILLS", _("Kỹ năng")
    DEFENCE_SECURITY = "DEFENCE_SECURITY", _("Quốc phòng - an ninh")
    PARTY_BUILDING = "PARTY_BUILDING", _("Nghiệp vụ công tác Đảng")
    DIGITAL = "DIGITAL", _("Chuyển đổi số")


class ClassMode(models.TextChoices):
    TAP_TRUNG = "TAP_TRUNG", _("Tập trung")
    KHONG_TAP_TRUNG = "KHONG_TAP_TRUNG", _("Không tập trung")
    TRUC_TUYEN = "TRUC_TUYEN", _("Trực tuyến")


class ClassStatus(models.TextChoices):
    PLANNED = "PLANNED", _("Dự kiến")
    OPEN = "OPEN", _("Đang nhận cử học")
    RUNNING = "RUNNING", _("Đang học")
    FINISHED = "FINISHED", _("Đã kết thúc")
    CANCELLED = "CANCELLED", _("Đã hủy")


class EnrolmentStatus(models.TextChoices):
    NOMINATED = "NOMINATED", _("Được cử")
    ENROLLED = "ENROLLED", _("Đang học")
    COMPLETED = "COMPLETED", _("Hoàn thành")
    FAILED = "FAILED", _("Không đạt")
    WITHDRAWN = "WITHDRAWN", pgettext_lazy("status", "Rút")
