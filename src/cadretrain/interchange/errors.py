"""Vietnamese messages of the workbook importer's error codes. Each says what is wrong and how to
fix it; field-level codes shared with the forms (dates, scores, choices) live in their own apps."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # The file as a whole (exit code 2).
    "file_not_found": _("Không tìm thấy tệp {path}."),
    "not_a_workbook": _("Tệp {path} không phải là sổ tính Excel (.xlsx), tệp .zip chứa các tệp CSV hay thư mục CSV. Hãy lưu lại dưới dạng .xlsx rồi nhập lại."),
    "encrypted_workbook": _("Tệp được đặt mật khẩu hoặc là định dạng Excel cũ (.xls). Hãy bỏ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc) và lưu lại dưới dạng .xlsx."),
    "csv_not_utf8": _("Tệp {sheet}.csv không phải mã UTF-8 (dòng {row}). Hãy lưu lại với kiểu mã hóa UTF-8."),
    # Workbook structure.
    "empty_workbook": _("Sổ tính không có dữ liệu để nhập. Điền dữ liệu vào các trang units, people, … (dòng 1 là tên cột)."),
    "unknown_sheet": _("Trang tính {sheet} không thuộc mẫu. Các trang hợp lệ: {allowed}. Đổi tên hoặc xóa trang này."),
    "duplicate_sheet": _("Có hai trang tính cùng là {sheet}. Gộp dữ liệu vào một trang."),
    "unknown_column": _("Cột {column} không thuộc trang {sheet}. Các cột hợp lệ: {allowed}. Đổi tên hoặc xóa cột này."),
    "duplicate_column": _("Cột {column} xuất hiện hai lần trong trang {sheet}. Xóa một cột."),
    "missing_column": _("Trang {sheet} thiếu cột bắt buộc {column}. Thêm cột này vào dòng 1."),
    "value_without_header": _("Ô có dữ liệu nhưng cột không có tên ở dòng 1. Thêm tên cột hoặc xóa dữ liệu."),
    "formula_not_allowed": _("Ô chứa công thức. Hãy nhập giá trị, không nhập công thức (sao chép rồi Dán giá trị)."),
    "merged_cell": _("Ô gộp {range} không được dùng. Hãy bỏ gộp ô và nhập giá trị vào từng ô."),
    # Row level.
    "required_value_missing": _("Cần nhập {column}."),
    "duplicate_key": _("Dòng trùng khóa với dòng {first_row} trong cùng trang ({key}). Xóa một trong hai dòng."),
    "unknown_position": _("Không có vị trí việc làm mã {code}. Kiểm tra mã hoặc thêm vào trang positions."),
    "unknown_programme": _("Không có chương trình mã {code}. Kiểm tra mã hoặc thêm vào trang programmes."),
    "unknown_class": _("Không có lớp mã {code}. Kiểm tra mã hoặc thêm lớp vào trang classes."),
    "numeric_code_hint": _("{message} Ô này đang ở dạng số nên các chữ số 0 ở đầu có thể đã mất: định dạng cột là Văn bản (Text) rồi nhập lại mã."),
    "out_of_scope": _("Mã {code} nằm ngoài phạm vi đơn vị bạn quản lý. Chỉ nhập dữ liệu của đơn vị mình."),
    "not_allowed_sheet": _("Vai trò của bạn không được thêm hoặc sửa dữ liệu trang {sheet}. Xóa dòng này hoặc nhờ quản trị thành phố nhập."),
    "unit_cycle": _("Đơn vị cấp trên tạo thành vòng lặp ({code}). Kiểm tra cột Mã đơn vị cấp trên."),
    "unit_root_not_allowed": _("Chỉ quản trị thành phố được tạo đơn vị gốc (không có đơn vị cấp trên)."),
    "invalid_integer": _("Cần nhập số nguyên không âm: {value}."),
    "unknown_unit_kind_value": _("Loại đơn vị không hợp lệ: {value}. Dùng một trong: {allowed}."),
    "unknown_choice": _("Giá trị {value} không hợp lệ. Dùng một trong: {allowed}."),
    "grants_incomplete": _("Cần nhập cả Cấp trình độ và Mức (hoặc để trống cả hai)."),
    "completed_on_required": _("Học viên có trạng thái COMPLETED cần có Ngày hoàn thành."),
    "too_many_errors": _("Quá nhiều lỗi; chỉ liệt kê {limit} lỗi đầu tiên. Sửa các lỗi này rồi nhập lại."),
    "standards_unavailable": _("Chưa thể nhập trang standards: phân hệ tiêu chuẩn chưa sẵn sàng."),
    "xlsx_too_many_rows": _("Trang {sheet} có {rows} dòng, vượt giới hạn của Excel. Hãy xuất ra tệp .zip (CSV)."),
    "export_unknown_unit": _("Không có đơn vị mã {code} trong phạm vi của bạn."),
    "import_failed": _("Nhập dữ liệu thất bại: {detail}"),
}
MESSAGES["value_too_long"] = _("Giá trị dài quá {max} ký tự. Hãy rút gọn.")


# The importer's wording of refusals that other interfaces also give under the same code (a
# unit or person that does not exist, a full class…): here each also says how to fix it in the
# workbook. The importer prefers these (core.errors.message_for(prefer=…)); everywhere else the
# owning app's sentence is used, so a CLI or API user is not told to edit a sheet.
WORKBOOK_HINTS = {
    "unknown_unit": _("Không có đơn vị mã {code}. Kiểm tra mã hoặc thêm đơn vị vào trang units."),
    "unknown_person": _("Không có cán bộ mã {code} trong phạm vi của bạn. Kiểm tra mã hoặc thêm cán bộ vào trang people."),
    "invalid_country": _("Mã quốc gia phải gồm 2 chữ cái theo ISO 3166-1 (ví dụ VN, JP): {value}."),
    "class_full": _("Lớp {code} đã đủ {capacity} chỗ. Tăng số chỗ ở trang classes hoặc bỏ bớt học viên."),
    "capacity_below_enrolled": _("Số chỗ {capacity} nhỏ hơn số học viên đã ghi danh ({enrolled})."),
}
