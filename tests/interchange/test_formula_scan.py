"""Formula cells are found in the sheet XML whatever the form of the formula element (calamine
reads only their cached values, so the scan is what refuses them)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from cadretrain.interchange.readers import _formula_cells

CELLS = {
    2: '<c r="B2"><f>UPPER(A2)</f><v>X</v></c>',
    3: '<c r="C3" t="str"><f t="shared" ref="C3:C4" si="0">A3</f><v>1</v></c>',
    4: '<c r="C4"><f t="shared" si="0"/><v>1</v></c>',
    5: '<x:c r="D5"><x:f>1+1</x:f><x:v>2</x:v></x:c>',
    6: '<c r="AA6"><f\n>A1</f><v>0</v></c>',
}


def test_every_form_of_formula_element_is_found_and_plain_text_is_not(tmp_path: Path):
    plain = '<c r="A{n}" t="inlineStr"><is><t>of f/ f> chef, &lt;f&gt;</t></is></c>'
    rows = "".join(f'<row r="{n}">{plain.format(n=n)}{CELLS.get(n, "")}</row>' for n in range(1, 8))
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sheet.xml", f"<worksheet><sheetData>{rows}</sheetData></worksheet>")
    with zipfile.ZipFile(path) as archive:
        assert sorted(_formula_cells(archive, "sheet.xml")) == [(2, 1), (3, 2), (4, 2), (5, 3), (6, 26)]


def test_a_sheet_without_formulas_yields_nothing(tmp_path: Path):
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Nguyễn Văn {n}</t></is></c></row>'
                   for n in range(1, 2000))
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("sheet.xml", f"<worksheet><sheetData>{rows}</sheetData></worksheet>")
    with zipfile.ZipFile(path) as archive:
        assert list(_formula_cells(archive, "sheet.xml")) == []
