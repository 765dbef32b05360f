from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "invalid_date": _("Ngày không đúng định dạng (YYYY-MM-DD hoặc DD/MM/YYYY): {value}."),
    "impossible_date": _("Ngày không tồn tại: {value}."),
    "invalid_boolean": _("Giá trị có/không không hợp lệ: {value} (dùng Y/N, có/không, 1/0)."),
    "invalid_number": _("Không phải là số: {value}."),
    "score_out_of_range": _("Điểm phải trong khoảng 0–10: {value}."),
    "invalid_gender": _("Giới tính không hợp lệ: {value} (dùng M/F hoặc Nam/Nữ)."),
    "invalid_national_id": _("Số CCCD phải gồm đúng 12 chữ số: {value}."),
    "unknown_category": _("Loại cán bộ không hợp lệ: {value}."),
    "unknown_tier": _("Diện quản lý không hợp lệ: {value}."),
    "unknown_rank": _("Mã ngạch/hạng không hợp lệ: {value}."),
    "unknown_dimension": _("Loại trình độ không hợp lệ: {value}."),
    "unknown_level": _("Trình độ {value} không thuộc loại {dimension}."),
    "person_code_required": _("Cần nhập mã cán bộ."),
    "person_code_taken": _("Mã cán bộ {code} đã tồn tại."),
    "full_name_required": _("Cần nhập họ và tên."),
    "birth_date_required": _("Cần nhập ngày sinh."),
    "language_only_for_foreign_language": _("Chỉ ghi ngoại ngữ cho trình độ ngoại ngữ."),
    "credential_duplicate": _("Cán bộ đã có văn bằng/chứng chỉ này với cùng ngày cấp."),
}
