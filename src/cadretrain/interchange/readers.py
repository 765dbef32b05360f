"""Open an interchange workbook (.xlsx, .zip of CSVs, a folder of CSVs or one CSV) and stream its
sheets row by row, with Excel row numbers.

xlsx is read with python-calamine (8× faster than openpyxl, reference/performance.md §3.1);
calamine keeps one sheet's cells in compact native memory and hands Python one row at a time.
CSV is streamed with the csv module, so a million-row CSV never sits in memory. Formula cells and
merged cells, which calamine flattens silently, are found by scanning the sheet XML."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from cadretrain.domain.errors import DomainError

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # CFB container: an encrypted xlsx or a legacy .xls
ZIP_SIGNATURE = b"PK"
CSV_FIELD_LIMIT = 1_000_000


class UnreadableWorkbook(DomainError):
    """The file cannot be read as an interchange workbook at all (exit code 2)."""


Row = tuple[int, list[object]]  # (Excel row number, cell values)


@dataclass
class RawSheet:
    """One worksheet or CSV file: its name in the file and a way to stream its rows."""

    name: str
    open_rows: Callable[[], Iterator[Row]]
    # (Excel row, 0-based column) → (error code, params); filled in by `problems()`.
    find_problems: Callable[[], dict[tuple[int, int], tuple[str, dict]]] = field(default=dict)

    def rows(self) -> Iterator[Row]:
        return self.open_rows()

    def problems(self) -> dict[tuple[int, int], tuple[str, dict]]:
        return self.find_problems()


def open_workbook(path: str | Path) -> list[RawSheet]:
    """The sheets of the workbook at `path`; raises UnreadableWorkbook when it is none."""
    p = Path(path)
    if not p.exists():
        raise UnreadableWorkbook("file_not_found", path=str(path))
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() == ".csv")
        if not files:
            raise UnreadableWorkbook("not_a_workbook", path=p.name)
        return [_csv_sheet(f.stem, lambda f=f: f.open("rb")) for f in files]
    with p.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_SIGNATURE):
        raise UnreadableWorkbook("encrypted_workbook", path=p.name)
    if head.startswith(ZIP_SIGNATURE):
        try:
            archive = zipfile.ZipFile(p)
            names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            raise UnreadableWorkbook("not_a_workbook", path=p.name) from None
        if "xl/workbook.xml" in names:
            return _xlsx_sheets(p, archive)
        members = [n for n in names if n.lower().endswith(".csv") and not n.startswith("__MACOSX")
                   and not n.endswith("/")]
        if not members:
            raise UnreadableWorkbook("not_a_workbook", path=p.name)
        return [_csv_sheet(PurePosixPath(m).stem, lambda m=m: archive.open(m)) for m in sorted(members)]
    if p.suffix.lower() == ".csv":
        return [_csv_sheet(p.stem, lambda: p.open("rb"))]
    raise UnreadableWorkbook("not_a_workbook", path=p.name)


# --- CSV ----------------------------------------------------------------------------------------

def _csv_sheet(name: str, opener: Callable[[], io.BufferedIOBase]) -> RawSheet:
    def rows() -> Iterator[Row]:
        csv.field_size_limit(CSV_FIELD_LIMIT)
        raw = opener()
        # utf-8-sig drops a BOM when there is one and reads plain UTF-8 otherwise.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        number = 0
        try:
            for number, record in enumerate(csv.reader(text), start=1):  # noqa: B007
                yield number, record
        except UnicodeDecodeError:
            raise UnreadableWorkbook("csv_not_utf8", sheet=name, row=number + 1) from None
        except csv.Error as exc:
            raise UnreadableWorkbook("not_a_workbook", path=f"{name}.csv ({exc})") from None
        finally:
            text.close()

    return RawSheet(name, rows)


# --- xlsx ---------------------------------------------------------------------------------------

def _xlsx_sheets(path: Path, archive: zipfile.ZipFile) -> list[RawSheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception:  # calamine raises its own error types for broken files
        raise UnreadableWorkbook("not_a_workbook", path=path.name) from None
    xml_paths = _sheet_xml_paths(archive)

    def make(name: str) -> RawSheet:
        loaded: list[object] = []

        def sheet_of() -> object:
            # Loading a sheet parses all of it: do it once for the rows and the merged ranges.
            if not loaded:
                try:
                    loaded.append(book.get_sheet_by_name(name))
                except Exception:
                    raise UnreadableWorkbook("not_a_workbook", path=path.name) from None
            return loaded[0]

        def rows() -> Iterator[Row]:
            sheet = sheet_of()
            first_row, first_col = sheet.start or (0, 0)  # type: ignore[attr-defined]
            pad = [""] * first_col
            for offset, values in enumerate(sheet.iter_rows()):  # type: ignore[attr-defined]
                yield first_row + offset + 1, (pad + values) if first_col else values
            loaded.clear()  # the next sheet need not share memory with this one

        def problems() -> dict[tuple[int, int], tuple[str, dict]]:
            found: dict[tuple[int, int], tuple[str, dict]] = {}
            merged = sheet_of().merged_cell_ranges or []  # type: ignore[attr-defined]
            for (r1, c1), (r2, c2) in merged:
                span = f"{_letters(c1)}{r1 + 1}:{_letters(c2)}{r2 + 1}"
                found[(r1 + 1, c1)] = ("merged_cell", {"range": span})
            member = xml_paths.get(name)
            if member:
                for row, col in _formula_cells(archive, member):
                    found.setdefault((row, col), ("formula_not_allowed", {}))
            return found

        return RawSheet(name, rows, problems)

    return [make(n) for n in names]


def _sheet_xml_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name → its XML member, from workbook.xml and its relationships."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    out = {}
    for el in book.iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                out[el.get("name", "")] = targets[rid]
    return out


_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# A formula element's name ends in "f" followed by ">", "/" or white space. The letter f is rare
# in sheet XML (no Vietnamese letter is an f), and a pattern that starts with a literal letter is
# scanned for at memchr speed: 0.07 s for a 96 MB sheet, where the substring tests "<f" and ":f"
# took 0.2 s each ("<" opens every element). Only a block where it matches pays for the rest.
_MAYBE_FORMULA = re.compile(rb"f[\s>/]")
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]'
)


def _formula_cells(archive: zipfile.ZipFile, member: str) -> Iterator[tuple[int, int]]:
    """(Excel row, 0-based column) of every formula cell, streaming the sheet XML in chunks."""
    try:
        stream = archive.open(member)
    except KeyError:
        return
    carry = b""
    with stream:
        while True:
            block = stream.read(4 << 20)
            data = carry + block
            if not block:
                cut = len(data)
            else:
                # Cut after the last complete cell so that no element straddles two chunks.
                cut = data.rfind(b"</c>")
                cut = len(data) if cut < 0 else cut + 4
            part, carry = data[:cut], data[cut:]
            # A cheap search first (see _MAYBE_FORMULA): only a block that may hold a formula
            # element pays for the regular expressions.
            if _MAYBE_FORMULA.search(part) and _HAS_FORMULA.search(part):
                for match in _FORMULA_CELL.finditer(part):
                    yield int(match.group(2)), _column_index(match.group(1).decode())
            if not block:
                break


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def column_letter(index: int) -> str:
    return _letters(index)


# --- cells --------------------------------------------------------------------------------------

def cell_text(value: object) -> tuple[str, bool]:
    """A cell as text plus whether it was a number. Integral numbers lose their ".0" (a code
    typed as 00004 that Excel stored as the number 4 comes back as "4": its zeros are gone,
    and the caller adds a hint to the error it causes)."""
    if value is None:
        return "", False
    if isinstance(value, str):
        return value, False
    if isinstance(value, bool):
        return ("Y" if value else "N"), False
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value)), True
        return repr(value), True
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    return str(value), False


def cell_date(value: object) -> object:
    """A date cell as a date; anything else as text for `parse_date`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return cell_text(value)[0]
