"""Vietnamese messages (msgids) of the reports app's error codes."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "report_period_required": _("Cần chọn kỳ báo cáo: từ ngày và đến ngày."),
    "report_period_reversed": _("Kỳ báo cáo không hợp lệ: {date_from} sau {date_to}."),
    "report_unknown_series": _("Loại hình đào tạo không hợp lệ: {series}."),
    "report_bad_year": _("Năm báo cáo không hợp lệ: {value}."),
    "report_unknown_format": _("Định dạng xuất không hỗ trợ: {value}."),
}
