"""Vietnamese messages for the standards app's error codes."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "standard_code_required": _("Cần nhập mã tiêu chuẩn."),
    "standard_group_required": _("Cần nhập nhóm yêu cầu."),
    "standard_dimension_required": _("Cần nhập loại yêu cầu."),
    "standard_unknown_dimension": _(
        "Loại yêu cầu không hợp lệ: {value} (dùng một loại trình độ, KNOWLEDGE_UPDATE_MONTHS hoặc ANNUAL_PERIODS)."
    ),
    "standard_unknown_level": _("Mức {value} không thuộc loại {dimension}."),
    "standard_invalid_number": _("Mức tối thiểu của {dimension} phải là số nguyên dương: {value}."),
    "standard_language_only_for_foreign_language": _("Chỉ ghi ngoại ngữ cho yêu cầu ngoại ngữ."),
    "standard_invalid_language": _("Mã ngoại ngữ phải theo ISO 639-1 (2 chữ cái): {value}."),
    "standard_unknown_position": _("Không có vị trí việc làm mã {value}."),
    "standard_valid_from_required": _("Cần nhập ngày hiệu lực của tiêu chuẩn."),
    "standard_duplicate_row": _("Dòng yêu cầu trùng: tiêu chuẩn {code}, nhóm {group}, loại {dimension}."),
    "standard_rows_inconsistent": _(
        "Các dòng của tiêu chuẩn {code} (hiệu lực từ {valid_from}) ghi khác nhau ở cột {column}."
    ),
    "standard_versions_overlap": _(
        "Phiên bản tiêu chuẩn {code} từ {valid_from} chồng lấn với phiên bản từ {other_from} đến {other_to}."
    ),
    "standard_in_force_immutable": _(
        "Tiêu chuẩn {code} (hiệu lực từ {valid_from}) đã có hiệu lực nên không sửa được; "
        "hãy tạo phiên bản mới có hiệu lực từ một ngày sau."
    ),
    "standard_change_backdated": _(
        "Phiên bản mới của tiêu chuẩn {code} không được có hiệu lực trước hôm nay ({today}): "
        "không sửa lại quá khứ."
    ),
    "standard_version_exists": _("Tiêu chuẩn {code} đã có phiên bản hiệu lực từ {valid_from}."),
    "standard_requirements_required": _("Tiêu chuẩn cần ít nhất một dòng yêu cầu."),
    "standard_requirement_line_invalid": _(
        "Dòng yêu cầu {line} không đúng dạng 'nhóm; loại; mức; ngoại ngữ': {value}."
    ),
    "standard_rows_invalid": _("Dữ liệu tiêu chuẩn có {count} lỗi; không có gì được ghi."),
    "standard_not_found": _("Không tìm thấy tiêu chuẩn."),
    "position_not_found": _("Không tìm thấy vị trí việc làm."),
    "dates_out_of_order": _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
}
