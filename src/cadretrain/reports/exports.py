"""Exports of reports and lists: XLSX (openpyxl, laid out like the paper forms), CSV (UTF-8 with
BOM so that Excel opens Vietnamese correctly) and PDF (WeasyPrint, A4 landscape, DejaVu).

Every function takes already-scoped data from the selectors; nothing here queries by itself."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from cadretrain.reports.form10 import Form10

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
BOLD = Font(name="Times New Roman", bold=True, size=11)
NORMAL = Font(name="Times New Roman", size=11)
ITALIC = Font(name="Times New Roman", italic=True, size=10)
HEAD_FILL = PatternFill("solid", fgColor="EDEDED")


def nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


# --- generic tables ----------------------------------------------------------------------------


def table_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A table as CSV bytes (UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([nfc(h) for h in headers])
    for row in rows:
        writer.writerow([nfc("" if v is None else v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A table as an XLSX workbook: a title line, a bold header with borders, then the rows."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Bao cao"
    ws.cell(row=1, column=1, value=nfc(title)).font = Font(name="Times New Roman", bold=True, size=13)
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=3, column=col, value=nfc(header))
        cell.font, cell.alignment, cell.border, cell.fill = BOLD, CENTER, BORDER, HEAD_FILL
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(45, len(str(header)) + 4))
    r = 3
    for r, row in enumerate(rows, start=4):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=col, value=nfc(value))
            cell.border, cell.font = BORDER, NORMAL
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the summary document ---------------------------------------------------------------------


def summary_table(doc: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The `report summary` document flattened into one table (kind rows, abroad, tiers)."""
    from cadretrain.core.choices import LEVEL_LABELS, ManagementTier, ProgrammeKind

    headers = [_("Loại hình"), _("Trình độ"), _("Số lớp"), _("Lượt học viên"), _("Số học viên"), _("Hoàn thành")]
    kinds = dict(ProgrammeKind.choices)
    rows: list[list[Any]] = [
        [str(kinds.get(r["kind"], r["kind"])), str(LEVEL_LABELS.get(r["level"], r["level"] or "")),
         r["classes"], r["enrolments"], r["learners"], r["completed"]]
        for r in doc["rows"]
    ]
    rows.append([_("Đào tạo, bồi dưỡng ở nước ngoài"), "", doc["abroad"]["classes"], "", doc["abroad"]["learners"], ""])
    tiers = dict(ManagementTier.choices)
    for code, t in doc["tiers"].items():
        rows.append([str(tiers.get(code, code)), _("Số người / đi nước ngoài / cập nhật kiến thức"),
                     t["people"], t["trained_abroad"], t["knowledge_updated"], ""])
    rows.append([_("Đạt tiêu chuẩn chức danh"), "", doc["compliance"]["people"], "",
                 doc["compliance"]["meeting_standards"], ""])
    return headers, rows


# --- form 10-BTCTW ------------------------------------------------------------------------------


def form10_xlsx(form: Form10) -> bytes:
    """Form 10-BTCTW laid out like the paper form: title, merged headers, numbering row, borders."""
    wb = Workbook()
    ws = wb.active
    ws.title = "10-BTCTW"
    ncols = 2 + len(form.columns)
    last = get_column_letter(ncols)
    ws["A1"] = nfc(_("Biểu số 10-BTCTW"))
    ws["A1"].font = BOLD
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = nfc(_("THỐNG KÊ KẾT QUẢ ĐÀO TẠO, BỒI DƯỠNG CÁN BỘ NĂM {year}").format(year=form.year))
    ws["A2"].font, ws["A2"].alignment = Font(name="Times New Roman", bold=True, size=14), CENTER
    ws.merge_cells(f"A3:{last}3")
    subtitle = _("(Theo mô hình chính quyền địa phương hai cấp)") if form.two_tier else ""
    if form.scope_label:
        subtitle = f"{subtitle} {form.scope_label}".strip()
    ws["A3"] = nfc(subtitle)
    ws["A3"].font, ws["A3"].alignment = ITALIC, CENTER
    ws.cell(row=4, column=ncols, value=nfc(_("Đơn vị tính: người"))).font = ITALIC
    ws.cell(row=4, column=ncols).alignment = Alignment(horizontal="right")

    h1, h2, h3, nums = 5, 6, 7, 8
    keys = [c.key for c in form.columns]
    col_of = {k: 3 + i for i, k in enumerate(keys)}

    def head(row: int, col: int, text: str, *, to_row: int | None = None, to_col: int | None = None) -> None:
        if to_row or to_col:
            ws.merge_cells(start_row=row, start_column=col, end_row=to_row or row, end_column=to_col or col)
        cell = ws.cell(row=row, column=col, value=nfc(text))
        cell.font, cell.alignment = BOLD, CENTER

    head(h1, 1, _("STT"), to_row=h3)
    head(h1, 2, _("Nội dung"), to_row=h3)
    first_class = col_of["classes_total"]
    head(h1, 3, _("Số cán bộ được đào tạo, bồi dưỡng"), to_col=first_class - 1)
    head(h1, first_class, _("Số lớp đã mở"), to_col=ncols)
    head(h2, col_of["total"], _("Tổng số"), to_row=h3)
    levels = [("provincial", _("Cấp tỉnh"))]
    if not form.two_tier:
        levels.append(("district", _("Cấp huyện")))
    levels.append(("commune", _("Cấp xã")))
    for key, label in levels:
        if f"{key}_leaders" in col_of:
            head(h2, col_of[key], label, to_col=col_of[f"{key}_leaders"])
            head(h3, col_of[key], _("Tổng số"))
            head(h3, col_of[f"{key}_leaders"], _("Trong đó lãnh đạo"))
        else:
            head(h2, col_of[key], label, to_row=h3)
    head(h2, col_of["classes_total"], _("Tổng số"), to_row=h3)
    for key in keys:
        if key.startswith("classes_") and key != "classes_total":
            head(h2, col_of[key], next(c.label for c in form.columns if c.key == key), to_row=h3)
    # Numbering row: (1) (2) (3)=(4)+(6)+(8) …
    ws.cell(row=nums, column=1, value="(1)")
    ws.cell(row=nums, column=2, value="(2)")
    for c in form.columns:
        ws.cell(row=nums, column=col_of[c.key], value=f"({c.number})" + (f"={form.formula(c.key)}" if form.formula(c.key) else ""))
    for col in range(1, ncols + 1):
        ws.cell(row=nums, column=col).font = ITALIC
        ws.cell(row=nums, column=col).alignment = CENTER

    r = nums
    for r, (row, values) in enumerate(form.rows, start=nums + 1):
        stt = ws.cell(row=r, column=1, value=row.code)
        label = ws.cell(row=r, column=2, value=nfc(row.label))
        label.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=row.depth)
        heading = row.match is None or row.depth == 0
        stt.font = label.font = BOLD if heading else NORMAL
        stt.alignment = CENTER
        for key in keys:
            cell = ws.cell(row=r, column=col_of[key], value=values[key])
            cell.font, cell.alignment = (BOLD if heading else NORMAL), Alignment(horizontal="right")
    for row_cells in ws.iter_rows(min_row=h1, max_row=r, min_col=1, max_col=ncols):
        for cell in row_cells:
            cell.border = BORDER
    for row_idx in (h1, h2, h3):
        for col in range(1, ncols + 1):
            ws.cell(row=row_idx, column=col).fill = HEAD_FILL
    ws.column_dimensions["A"].width = 9
    ws.column_dimensions["B"].width = 46
    for key in keys:
        ws.column_dimensions[get_column_letter(col_of[key])].width = 12
    ws.row_dimensions[h1].height = 30
    ws.row_dimensions[h2].height = 30
    ws.row_dimensions[h3].height = 30
    ws.freeze_panes = ws.cell(row=nums + 1, column=3)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = f"{h1}:{nums}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def form10_csv(form: Form10) -> bytes:
    headers = [_("STT"), _("Nội dung")] + [f"({c.number}) {c.label}" for c in form.columns]
    return table_csv(headers, ([row.code, row.label] + [values[c.key] for c in form.columns]
                               for row, values in form.rows))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=unicodedata.normalize("NFC", html)).write_pdf()


def form10_pdf(form: Form10) -> bytes:
    """The form as an A4 landscape PDF (DejaVu renders every Vietnamese letter)."""
    return html_to_pdf(render_to_string("reports/form10_print.html", form10_context(form)))


def form10_context(form: Form10) -> dict[str, Any]:
    """What the form's HTML table needs (the web page and the PDF share it)."""
    return {
        "form": form, "header": form10_header(form), "numbers": form10_numbers(form),
        "rows_with_values": [(row, [values[c.key] for c in form.columns]) for row, values in form.rows],
    }


def form10_header(form: Form10) -> list[list[dict[str, Any]]]:
    """The three header rows of the form as HTML cells (text, colspan, rowspan)."""
    people_cols = [c for c in form.columns if not c.key.startswith("classes_")]
    class_cols = [c for c in form.columns if c.key.startswith("classes_")]
    row1 = [{"text": _("STT"), "rowspan": 3, "colspan": 1}, {"text": _("Nội dung"), "rowspan": 3, "colspan": 1},
            {"text": _("Số cán bộ được đào tạo, bồi dưỡng"), "rowspan": 1, "colspan": len(people_cols)},
            {"text": _("Số lớp đã mở"), "rowspan": 1, "colspan": len(class_cols)}]
    keys = {c.key for c in form.columns}
    row2: list[dict[str, Any]] = [{"text": _("Tổng số"), "rowspan": 2, "colspan": 1}]
    row3: list[dict[str, Any]] = []
    levels = [("provincial", _("Cấp tỉnh"))] + ([] if form.two_tier else [("district", _("Cấp huyện"))]) + [
        ("commune", _("Cấp xã"))]
    for key, label in levels:
        if f"{key}_leaders" in keys:
            row2.append({"text": label, "rowspan": 1, "colspan": 2})
            row3 += [{"text": _("Tổng số"), "rowspan": 1, "colspan": 1},
                     {"text": _("Trong đó lãnh đạo"), "rowspan": 1, "colspan": 1}]
        else:
            row2.append({"text": label, "rowspan": 2, "colspan": 1})
    for c in class_cols:
        row2.append({"text": _("Tổng số") if c.key == "classes_total" else c.label, "rowspan": 2, "colspan": 1})
    return [row1, row2, row3]


def form10_numbers(form: Form10) -> list[str]:
    return ["(1)", "(2)"] + [f"({c.number})" + (f"={form.formula(c.key)}" if form.formula(c.key) else "")
                             for c in form.columns]
