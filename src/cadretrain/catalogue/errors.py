from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "programme_not_found": _("Không tìm thấy chương trình."),
    "institution_not_found": _("Không tìm thấy cơ sở đào tạo."),
    "lecturer_not_found": _("Không tìm thấy giảng viên."),
    "programme_code_required": _("Cần nhập mã chương trình."),
    "programme_code_taken": _("Mã chương trình {code} đã tồn tại."),
    "programme_name_required": _("Cần nhập tên chương trình."),
    "unknown_programme_kind": _("Loại chương trình không hợp lệ: {value}."),
    "unknown_content_area": _("Nội dung bồi dưỡng không hợp lệ: {value}."),
    "grants_both_or_neither": _("Cần nhập cả loại trình độ và mức được cấp, hoặc bỏ trống cả hai."),
    "invalid_periods": _("Số tiết phải là số nguyên không âm: {value}."),
    "institution_name_required": _("Cần nhập tên cơ sở đào tạo."),
    "institution_name_taken": _("Cơ sở đào tạo {name} đã tồn tại."),
    "lecturer_name_required": _("Cần nhập họ tên giảng viên."),
}
