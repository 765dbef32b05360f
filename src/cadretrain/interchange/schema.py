"""The sheets and columns of spec/interchange.md, and how a header row maps onto them.

Headers match a column key or its Vietnamese header ignoring case, spaces, underscores,
diacritics and a trailing "*" (the required marker some people copy from the spec)."""

from __future__ import annotations

from dataclasses import dataclass

from cadretrain.domain.text import fold

# Column kinds decide how a raw cell becomes text before validation:
# code → exact after trim (a numeric cell becomes its integer text), text → clean_text,
# date → a date object or text to parse, others → trimmed text for the shared parsers.
CODE, TEXT, DATE, BOOL, INT, SCORE, CHOICE = "code", "text", "date", "bool", "int", "score", "choice"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    vi: str
    required: bool = False
    kind: str = TEXT


@dataclass(frozen=True, slots=True)
class SheetSpec:
    name: str
    title: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def C(key: str, vi: str, kind: str = TEXT, required: bool = False) -> Column:  # noqa: N802
    return Column(key, vi, required, kind)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("units", "Đơn vị", ("code",), (
        C("code", "Mã đơn vị", CODE, True),
        C("name", "Tên đơn vị", TEXT, True),
        C("parent_code", "Mã đơn vị cấp trên", CODE),
        C("kind", "Loại", CHOICE, True),
        C("valid_from", "Hiệu lực từ", DATE),
        C("valid_to", "Hiệu lực đến", DATE),
        C("successor_code", "Mã đơn vị kế thừa", CODE),
    )),
    SheetSpec("positions", "Vị trí việc làm / chức danh", ("code",), (
        C("code", "Mã", CODE, True),
        C("name", "Tên", TEXT, True),
        C("kind", "Loại", CHOICE, True),
    )),
    SheetSpec("people", "Cán bộ, công chức, viên chức", ("code",), (
        C("code", "Mã cán bộ", CODE, True),
        C("full_name", "Họ và tên", TEXT, True),
        C("birth_date", "Ngày sinh", DATE, True),
        C("gender", "Giới tính", CHOICE, True),
        C("category", "Loại cán bộ", CHOICE, True),
        C("unit_code", "Mã đơn vị", CODE, True),
        C("position_code", "Mã vị trí", CODE),
        C("management_tier", "Diện quản lý", CHOICE),
        C("rank_code", "Mã ngạch", CODE),
        C("party_member", "Đảng viên", BOOL),
        C("ethnicity", "Dân tộc", TEXT),
        C("national_id", "Số CCCD", CODE),
        C("email", "Email", TEXT),
        C("phone", "Điện thoại", CODE),
        C("joined_on", "Ngày vào cơ quan", DATE),
        C("left_on", "Ngày nghỉ", DATE),
    )),
    SheetSpec("credentials", "Trình độ, văn bằng, chứng chỉ",
              ("person_code", "dimension", "level", "issued_on"), (
        C("person_code", "Mã cán bộ", CODE, True),
        C("dimension", "Loại", CHOICE, True),
        C("level", "Trình độ", CHOICE, True),
        C("language", "Ngoại ngữ", CHOICE),
        C("field", "Chuyên ngành", TEXT),
        C("issued_on", "Ngày cấp", DATE, True),
        C("issuer", "Nơi cấp", TEXT),
        C("certificate_no", "Số hiệu", CODE),
    )),
    SheetSpec("programmes", "Chương trình", ("code",), (
        C("code", "Mã chương trình", CODE, True),
        C("name", "Tên chương trình", TEXT, True),
        C("kind", "Loại", CHOICE, True),
        C("grants_dimension", "Cấp trình độ", CHOICE),
        C("grants_level", "Mức", CHOICE),
        C("periods", "Số tiết", INT),
        C("topics", "Chủ đề", TEXT),
        C("description", "Mô tả", TEXT),
    )),
    SheetSpec("classes", "Lớp, khóa", ("code",), (
        C("code", "Mã lớp", CODE, True),
        C("programme_code", "Mã chương trình", CODE, True),
        C("name", "Tên lớp", TEXT),
        C("organizer_unit_code", "Đơn vị tổ chức", CODE, True),
        C("institution", "Cơ sở đào tạo", TEXT),
        C("partner", "Đối tác", TEXT),
        C("country", "Quốc gia", CHOICE),
        C("start_date", "Ngày bắt đầu", DATE, True),
        C("end_date", "Ngày kết thúc", DATE, True),
        C("capacity", "Số chỗ", INT),
        C("cost_vnd", "Kinh phí (VNĐ)", INT),
        C("mode", "Hình thức", CHOICE),
    )),
    SheetSpec("enrolments", "Học viên", ("class_code", "person_code"), (
        C("class_code", "Mã lớp", CODE, True),
        C("person_code", "Mã cán bộ", CODE, True),
        C("status", "Trạng thái", CHOICE, True),
        C("score", "Điểm", SCORE),
        C("completed_on", "Ngày hoàn thành", DATE),
        C("certificate_no", "Số chứng chỉ", CODE),
    )),
    SheetSpec("standards", "Tiêu chuẩn", ("code", "group", "dimension"), (
        C("code", "Mã tiêu chuẩn", CODE, True),
        C("name", "Tên", TEXT),
        C("position_code", "Mã vị trí", CODE),
        C("category", "Loại cán bộ", CHOICE),
        C("management_tier", "Diện quản lý", CHOICE),
        C("group", "Nhóm", CODE, True),
        C("dimension", "Loại", CHOICE, True),
        C("min_level", "Mức tối thiểu", CODE, True),
        C("language", "Ngoại ngữ", CHOICE),
        C("valid_from", "Hiệu lực từ", DATE, True),
        C("valid_to", "Hiệu lực đến", DATE),
        C("legal_basis", "Căn cứ", TEXT),
    )),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}
SHEET_ORDER = tuple(s.name for s in SHEETS)  # dependency order: references point backwards
INSTRUCTIONS_SHEET = "Hướng dẫn"


def header_key(text: object) -> str:
    """The comparison form of a header: folded, without spaces, underscores or a trailing '*'."""
    return fold(str(text or "")).rstrip("*").replace(" ", "").replace("_", "")


_LOOKUP: dict[str, dict[str, str]] = {
    sheet.name: {
        **{header_key(c.vi): c.key for c in sheet.columns},
        **{header_key(c.key): c.key for c in sheet.columns},
    }
    for sheet in SHEETS
}


def match_column(sheet: str, header: object) -> str | None:
    """The column key a header cell names in `sheet`, or None when it names none."""
    return _LOOKUP[sheet].get(header_key(header))


def sheet_for(name: str) -> str | None:
    """The sheet key a worksheet/CSV name stands for (key or Vietnamese title), or None."""
    folded = header_key(name)
    for sheet in SHEETS:
        if folded in (header_key(sheet.name), header_key(sheet.title)):
            return sheet.name
    return None


def is_instructions(name: str) -> bool:
    return header_key(name) == header_key(INSTRUCTIONS_SHEET)
