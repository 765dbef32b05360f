from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "unit_code_required": _("Cần nhập mã đơn vị."),
    "unknown_unit_kind": _("Loại đơn vị không hợp lệ: {kind}."),
    "unit_code_taken": _("Mã đơn vị {code} đã tồn tại."),
    "unit_move_into_own_subtree": _("Không thể chuyển đơn vị vào chính cây đơn vị của nó."),
    "dates_out_of_order": _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
}
