"""Export in the interchange format (spec/interchange.md), scoped to what the actor may see and
optionally to one unit's subtree, plus the downloadable template.

Rows are ordered by their codes so that export → import into an empty database → export gives
the same workbook. Large tables are streamed: people with a server-side cursor, credentials in
one pass along their unique key's index, enrolments in blocks of classes. Those two read person
and class ids, not codes: the ids are put in code order and replaced by their codes in Python
(`CodeOrder`), which costs less than joining the codes in and sorting millions of rows by them in
the database.

The querysets (with their `visible_to` scoping) are compiled by the ORM but their rows are read
from the driver as they come (`_fetch`): the ORM's per-value converters (dates, decimals,
booleans) cost more than writing the row, and the writers need none of them — a date comes as
ISO text from SQLite and as a date from PostgreSQL, both written as YYYY-MM-DD; the few columns
that need it (booleans as Y/N, scores with two decimals) are converted here. xlsx is written by
`interchange.xlsx` (streaming XML); a `.zip` path writes one CSV per sheet, the format to use
past Excel's 1,048,576 rows."""

from __future__ import annotations

import csv
import io
import queue
import threading
import zipfile
from collections.abc import Callable, Iterator
from itertools import chain, groupby, pairwise
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce

from cadretrain.catalogue.models import Programme
from cadretrain.core.choices import (
    LEVEL_LABELS,
    Category,
    ClassMode,
    Dimension,
    EnrolmentStatus,
    Gender,
    ManagementTier,
    PositionKind,
    ProgrammeKind,
    RankCode,
    RequirementDimension,
    UnitKind,
)
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotAllowed, NotFound
from cadretrain.interchange import schema
from cadretrain.org.models import OrgUnit, Position
from cadretrain.people.models import Credential, Person
from cadretrain.training.models import Enrolment, TrainingClass

XLSX_MAX_ROWS = 1_048_575  # data rows under the header
BLOCK = 500
BLOCK_ROWS = 50_000  # enrolments held at once to be put in code order (about 10 MB)
FETCH = 5000
QUEUED = 8  # blocks read ahead of the writer

Block = list[tuple[Any, ...]]


def _sql(qs: QuerySet) -> tuple[str, tuple[Any, ...]] | None:
    """The queryset's statement, or None for a scope that matches nothing (`NOTHING` compiles to
    no query)."""
    try:
        return qs.query.sql_with_params()
    except EmptyResultSet:
        return None


def _fetch(qs: QuerySet) -> Iterator[Block]:
    """The rows of a `values_list` queryset as the database driver returns them, in blocks,
    through a server-side cursor where there is one (PostgreSQL)."""
    if (statement := _sql(qs)) is None:
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(*statement)
        while rows := cursor.fetchmany(FETCH):
            yield rows


def _fetch_all(qs: QuerySet) -> list[tuple[Any, ...]]:
    """All rows of a small `values_list` queryset (one block) as the driver returns them, with a
    client-side cursor: one round trip on PostgreSQL rather than a server-side cursor's several."""
    if (statement := _sql(qs)) is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return cursor.fetchall()


def _day(field: str) -> Any:
    """A date as YYYY-MM-DD text on every backend (SQLite's driver would otherwise convert each
    one to a date object in Python, only for the writer to turn it back into text). SQLite
    stores dates as that text; PostgreSQL formats them explicitly, whatever its DateStyle."""
    if connection.vendor == "postgresql":
        return Func(F(field), template="to_char(%(expressions)s, 'YYYY-MM-DD')", output_field=CharField())
    return Cast(field, CharField())


def _score(field: str) -> Any:
    """A score as the sheet writes it, "8.50" (numeric(4, 2) as text on PostgreSQL; SQLite
    keeps 8.5 as a float and formats it with printf)."""
    if connection.vendor == "sqlite":
        # "%%%%" → "%%" in the SQL (Func's template is %-formatted) → "%" (the backend's qmark conversion).
        text = Func(F(field), template="printf('%%%%.2f', %(expressions)s)", output_field=CharField())
        return Case(When(**{f"{field}__isnull": False}, then=text), default=None, output_field=CharField())
    return Cast(field, CharField())


class CodeOrder:
    """Records' ids in code order (as the database sorts the codes, so its collation decides),
    with each id's code and place in that order.

    The big sheets read ids and put them in code order here: joining the codes in and sorting
    millions of rows by them in the database costs more than these lookups."""

    def __init__(self, pairs: list[tuple[int, str]]) -> None:
        self.ids = [i for i, _ in pairs]
        # Ids given in code order (the usual case: records created in code order, as an import
        # does): the index order of the ids is already the code order and needs no sort.
        self.ids_ascend = all(a < b for a, b in pairwise(self.ids))
        self.rank = {i: n for n, i in enumerate(self.ids)}
        top = max(self.ids, default=0)
        # A list indexed by id where the ids are dense (a third cheaper than a dict per lookup,
        # millions of lookups); a dict where they are sparse.
        self.code: list[str | None] | dict[int, str]
        if top <= 4 * len(pairs) + 1024:
            self.code = [None] * (top + 1)
            for i, c in pairs:
                self.code[i] = c
        else:
            self.code = dict(pairs)


class Scope:
    """What one export covers: the actor's visible records, optionally one unit's subtree.

    Each sheet method yields blocks of rows exactly as they are written: the columns are
    computed by the database (dates as ISO text, booleans as Y/N, scores with two decimals),
    and so are the codes and the order, except on the two big sheets where `CodeOrder` supplies
    them; a block goes to the CSV writer whole."""

    def __init__(self, actor: Actor, unit: OrgUnit | None) -> None:
        self.actor = actor
        self.unit = unit
        self.prefix = unit.path if unit else None
        self.sensitive = actor.can(Action.VIEW_SENSITIVE)
        self._people_by_code: CodeOrder | None = None

    def units(self) -> Iterator[Block]:
        qs = OrgUnit.objects.visible_to(self.actor)
        if self.prefix:
            qs = qs.filter(path__startswith=self.prefix)
        yield from _fetch(qs.annotate(x_from=_day("valid_from"), x_to=_day("valid_to")).order_by("code").values_list(
                "code", "name", "parent__code", "kind", "x_from", "x_to", "successor__code"))

    def positions(self) -> Iterator[Block]:
        yield from _fetch(Position.objects.order_by("code").values_list("code", "name", "kind"))

    def _people(self) -> Any:
        qs = Person.objects.visible_to(self.actor)
        if self.prefix:
            qs = qs.filter(unit__path__startswith=self.prefix)
        return qs

    def people(self) -> Iterator[Block]:
        qs = self._people().annotate(
            x_birth=_day("birth_date"), x_joined=_day("joined_on"), x_left=_day("left_on"),
            x_party=Case(When(party_member=True, then=Value("Y")), default=Value("N"), output_field=CharField()),
            # National ID: not for roles that may not see it.
            x_id=F("national_id") if self.sensitive else Value("", output_field=CharField()),
        )
        yield from _fetch(qs.order_by("code").values_list(
            "code", "full_name", "x_birth", "gender", "category", "unit__code", "position__code",
            "management_tier", "rank_code", "x_party", "ethnicity", "x_id", "email", "phone",
            "x_joined", "x_left"))

    def _person_order(self) -> CodeOrder:
        if self._people_by_code is None:
            self._people_by_code = CodeOrder(_fetch_all(self._people().order_by("code").values_list("id", "code")))
        return self._people_by_code

    def credentials(self) -> Iterator[Block]:
        people = self._person_order()
        code = people.code
        base = Credential.objects.visible_to(self.actor)
        if self.prefix:
            base = base.filter(person__unit__path__startswith=self.prefix)
        base = base.annotate(x_issued=_day("issued_on")).order_by("person_id", "dimension", "level", "issued_on")
        columns = ("person_id", "dimension", "level", "language", "field", "x_issued", "issuer", "certificate_no")
        if people.ids_ascend:
            # Id order is code order: one pass along the unique key's index (PostgreSQL scanned
            # the whole table once per block of people when they were read by blocks).
            for rows in _fetch(base.values_list(*columns)):
                yield [(code[p], d, lv, la, f, i, s, n) for p, d, lv, la, f, i, s, n in rows]
            return
        step = BLOCK * 10
        for start in range(0, len(people.ids), step):
            rows = _fetch_all(base.filter(person_id__in=people.ids[start:start + step]).values_list(*columns))
            # Stable: dimension, level and issue date keep the database's order within a person.
            rows.sort(key=lambda row: people.rank[row[0]])
            yield [(code[p], d, lv, la, f, i, s, n) for p, d, lv, la, f, i, s, n in rows]

    def programmes(self) -> Iterator[Block]:
        yield from _fetch(Programme.objects.order_by("code").values_list(
                "code", "name", "kind", "grants_dimension", "grants_level", "periods", "topics", "description"))

    def _classes(self) -> Any:
        qs = TrainingClass.objects.visible_to(self.actor)
        if self.prefix:
            attended = Enrolment.objects.filter(person__unit__path__startswith=self.prefix).values("training_class_id")
            qs = qs.filter(Q(organizer_unit__path__startswith=self.prefix) | Q(pk__in=attended))
        return qs

    def classes(self) -> Iterator[Block]:
        yield from _fetch(self._classes().annotate(x_start=_day("start_date"), x_end=_day("end_date")).order_by(
                "code").values_list(
                "code", "programme__code", "name", "organizer_unit__code", "institution__name", "partner__name",
                "country", "x_start", "x_end", "capacity", "cost_vnd", "mode"))

    def _class_blocks(self) -> Iterator[list[tuple[int, str]]]:
        """The visible classes in code order, in blocks of up to BLOCK classes holding about
        BLOCK_ROWS enrolments at most (by their seats taken): a block's rows are held in memory to
        be put in code order, and a few classes of thousands of learners each (an import of a
        whole year's training) must not make one block of millions."""
        block: list[tuple[int, str]] = []
        rows = 0
        for class_id, class_code, seats in _fetch_all(self._classes().order_by("code").values_list(
                "id", "code", "enrolled")):
            if block and (len(block) >= BLOCK or rows + seats > BLOCK_ROWS):
                yield block
                block, rows = [], 0
            block.append((class_id, class_code))
            rows += seats
        if block:
            yield block

    def enrolments(self) -> Iterator[Block]:
        people = self._person_order()
        base = Enrolment.objects.visible_to(self.actor)
        if self.prefix:
            base = base.filter(person__unit__path__startswith=self.prefix)
        # Empty text rather than NULL for a missing score or date: rows of text only take the
        # CSV writer's fast path (the cell is empty either way, in CSV and in xlsx).
        base = base.annotate(x_score=Coalesce(_score("score"), Value("")),
                             x_done=Coalesce(_day("completed_on"), Value(""))).order_by(
            "training_class_id", "person_id")
        code = people.code
        # Blocks of classes in code order, each read along the (class, person) unique index
        # without joining the codes in or sorting by them (on PostgreSQL each block's joins and
        # sort cost more than the rows: 29 s of the 40 s export at L); the codes come from the
        # id → code tables. Every person of a visible enrolment is a visible person (each role's
        # enrolment scope is a subset of its people scope, and the unit filter is the same), so
        # `code` has them all.
        for block in self._class_blocks():
            rows = _fetch_all(base.filter(training_class_id__in=[i for i, _ in block]).values_list(
                "training_class_id", "person_id", "status", "x_score", "x_done", "certificate_no"))
            by_class = {c: list(group) for c, group in groupby(rows, itemgetter(0))}
            out: Block = []
            for class_id, class_code in block:
                if (group := by_class.get(class_id)) is None:
                    continue
                if not people.ids_ascend:
                    group.sort(key=lambda row: people.rank[row[1]])
                out += [(class_code, code[p], s, sc, d, n) for _, p, s, sc, d, n in group]
            yield out

    def standards(self) -> Iterator[Block]:
        """The standards engine's own export of its rows (the same columns it imports)."""
        from cadretrain.standards.selectors import standard_rows_export

        keys = schema.SHEET_BY_NAME["standards"].keys
        yield [tuple(row.get(k) for k in keys) for row in standard_rows_export()]


def _scope(actor: Actor, unit_code: str | None) -> Scope:
    if not actor.can(Action.EXPORT):
        raise NotAllowed()
    unit = None
    if unit_code:
        unit = OrgUnit.objects.visible_to(actor).filter(code=unit_code.strip()).first()
        if unit is None:
            raise NotFound("export_unknown_unit", code=unit_code)
    return Scope(actor, unit)


def export_sheets(actor: Actor, unit_code: str | None = None) -> Iterator[tuple[str, list[str], Iterator[Block]]]:
    """(sheet, column keys, blocks of rows) for every sheet, in spec order."""
    scope = _scope(actor, unit_code)
    for spec in schema.SHEETS:
        yield spec.name, list(spec.keys), getattr(scope, spec.name)()


def write_workbook(path: str | Path, *, actor: Actor, unit_code: str | None = None) -> dict[str, int]:
    """Write the export to `path`: .xlsx, .zip (CSV per sheet) or a folder of CSVs. Returns rows
    written per sheet."""
    target = Path(path)
    suffix = target.suffix.lower()
    sheets = export_sheets(actor, unit_code)
    if suffix == ".xlsx":
        return _write_xlsx(target, sheets)
    if suffix == ".zip":
        # Level 1: a third of the time of the default level for a file a few percent larger.
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            counts = {}
            for name, header, rows in sheets:
                with archive.open(f"{name}.csv", "w", force_zip64=True) as raw:
                    counts[name] = _write_csv(raw, header, rows)
            return counts
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, header, rows in sheets:
        with (target / f"{name}.csv").open("wb") as raw:
            counts[name] = _write_csv(raw, header, rows)
    return counts


def _pipeline(consume: Callable[[Iterator[Block]], int], blocks: Iterator[Block]) -> int:
    """`consume(blocks)` on a second thread while this one reads the next blocks from the
    database: the query (SQLite and the PostgreSQL driver release the GIL while they work) and
    the writing (csv, XML, deflate) overlap on two cores. The database is used on this thread
    only; at most QUEUED blocks wait in memory."""
    handoff: queue.Queue[Block | None] = queue.Queue(maxsize=QUEUED)
    result: list[int] = []
    failure: list[BaseException] = []

    ended: list[bool] = []

    def received() -> Iterator[Block]:
        while (block := handoff.get()) is not None:
            yield block
        ended.append(True)

    def work() -> None:
        try:
            result.append(consume(received()))
        except BaseException as exc:  # handed to the calling thread below
            failure.append(exc)
        if not ended:
            for _ in received():  # take what is left so that the reader never waits forever
                pass

    worker = threading.Thread(target=work, name="export-writer", daemon=True)
    worker.start()
    try:
        for block in blocks:
            if failure:
                break
            handoff.put(block)
    finally:
        handoff.put(None)
        worker.join()
    if failure:
        raise failure[0]
    return result[0]


def _write_csv(raw: Any, header: list[str], blocks: Iterator[Block]) -> int:
    """UTF-8 with a BOM (Excel then reads Vietnamese correctly); one encode and one write per block."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)

    def flush() -> None:
        raw.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()

    buffer.write("\ufeff")
    writer.writerow(header)
    flush()

    def consume(received: Iterator[Block]) -> int:
        n = 0
        for block in received:
            if (text := _plain_csv(block)) is not None:
                raw.write(text.encode("utf-8"))
            else:
                # csv writes None as an empty cell and everything else as its text: the rows come ready.
                writer.writerows(block)
                flush()
            n += len(block)
        return n

    return _pipeline(consume, blocks)


def _plain_csv(block: Block) -> str | None:
    """The block as csv.writer writes it when every cell is text that needs no quotes (codes,
    levels, dates: the big sheets' usual rows), joined directly at a fifth of the csv module's
    cost; None when a cell is not text (None, a number) or would need quoting, for csv.writer.

    A cell needs quotes when it holds a comma, a quote or a line break: the block needs none
    when it has no quote, no NUL, exactly one comma between neighbouring cells and one line
    break between rows (rows have several cells here, so an empty cell is never quoted)."""
    if not block or min(map(len, block)) < 2:
        return None
    try:
        text = "\r\n".join(map(",".join, block))
    except TypeError:
        return None
    rows = len(block)
    if ('"' in text or "\0" in text or text.count(",") != sum(map(len, block)) - rows
            or text.count("\n") != rows - 1 or text.count("\r") != rows - 1):
        return None
    return text + "\r\n"


def _write_xlsx(target: Path, sheets: Iterator[tuple[str, list[str], Iterator[Block]]]) -> dict[str, int]:
    from cadretrain.interchange.xlsx import XlsxWriter

    counts = {}
    with XlsxWriter(target) as book:
        for name, header, blocks in sheets:
            kinds = [schema.SHEET_BY_NAME[name].column(key).kind for key in header]

            def consume(received: Iterator[Block], name: str = name, header: list[str] = header,
                        kinds: list[str] = kinds) -> int:
                return book.sheet(name, header, chain.from_iterable(received), max_rows=XLSX_MAX_ROWS,
                                  kinds=kinds)

            try:
                counts[name] = _pipeline(consume, blocks)
            except OverflowError:
                raise DomainError("xlsx_too_many_rows", sheet=name, rows=f"> {XLSX_MAX_ROWS:,}") from None
    return counts


# --- the template ------------------------------------------------------------------------------

CHOICES: dict[tuple[str, str], list[str]] = {
    ("units", "kind"): list(UnitKind.values),
    ("positions", "kind"): list(PositionKind.values),
    ("people", "gender"): list(Gender.values),
    ("people", "category"): list(Category.values),
    ("people", "management_tier"): list(ManagementTier.values),
    ("people", "rank_code"): list(RankCode.values),
    ("people", "party_member"): ["Y", "N"],
    ("credentials", "dimension"): list(Dimension.values),
    ("credentials", "level"): list(LEVEL_LABELS),
    ("programmes", "kind"): list(ProgrammeKind.values),
    ("programmes", "grants_dimension"): list(Dimension.values),
    ("programmes", "grants_level"): list(LEVEL_LABELS),
    ("classes", "mode"): list(ClassMode.values),
    ("enrolments", "status"): list(EnrolmentStatus.values),
    ("standards", "category"): list(Category.values),
    ("standards", "management_tier"): list(ManagementTier.values),
    ("standards", "dimension"): list(RequirementDimension.values),
}

INSTRUCTIONS = (
    "Mẫu sổ tính trao đổi dữ liệu đào tạo, bồi dưỡng cán bộ, công chức, viên chức",
    "",
    "1. Mỗi trang tính là một loại dữ liệu (units, positions, people, credentials, programmes, classes, "
    "enrolments, standards). Có thể bỏ những trang không dùng; thứ tự trang không quan trọng.",
    "2. Dòng 1 là tên cột (tiếng Việt như mẫu hoặc mã cột tiếng Anh). Không thêm cột lạ, không gộp ô, "
    "không dùng công thức: nhập giá trị.",
    "3. Cột có dấu * là bắt buộc. Ngày ghi YYYY-MM-DD hoặc DD/MM/YYYY. Có/không ghi Y/N, có/không hoặc 1/0.",
    "4. Mã (mã đơn vị, mã cán bộ, mã lớp…) phải định dạng là Văn bản (Text) để giữ các số 0 ở đầu, "
    "ví dụ 00004.",
    "5. Mỗi dòng được thêm mới hoặc cập nhật theo mã. Nhập lại cùng một tệp không làm thay đổi gì.",
    "6. Nếu có bất kỳ lỗi nào thì không dữ liệu nào được ghi; báo cáo lỗi cho biết trang, dòng, cột "
    "và cách sửa. Nên chạy thử (kiểm tra) trước khi nhập.",
    "7. Các ô có danh sách chọn chỉ nhận các giá trị trong danh sách (xem các cột bên phải trang này).",
)


def template_workbook() -> bytes:
    """The empty workbook for download: Vietnamese headers in row 1 (the importer accepts them),
    an instructions sheet it ignores, and drop-down lists on every enumeration column."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    guide = book.active
    guide.title = schema.INSTRUCTIONS_SHEET
    for i, line in enumerate(INSTRUCTIONS, start=1):
        guide.cell(row=i, column=1, value=line)
    guide["A1"].font = Font(bold=True)
    guide.column_dimensions["A"].width = 110
    # Lists for the drop-downs live on the instructions sheet, one column each, from column C.
    list_ranges: dict[tuple[str, str], str] = {}
    for offset, (key, values) in enumerate(CHOICES.items()):
        col = get_column_letter(3 + offset)
        guide.cell(row=1, column=3 + offset, value=f"{key[0]}.{key[1]}").font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            guide.cell(row=r, column=3 + offset, value=value)
        list_ranges[key] = f"'{schema.INSTRUCTIONS_SHEET}'!${col}$2:${col}${len(values) + 1}"
    for spec in schema.SHEETS:
        ws = book.create_sheet(spec.name)
        for idx, column in enumerate(spec.columns, start=1):
            cell = ws.cell(row=1, column=idx, value=column.vi)
            cell.font = Font(bold=True)
            cell.comment = Comment(f"{column.key}{' (bắt buộc)' if column.required else ''}", "cadretrain")
            letter = get_column_letter(idx)
            ws.column_dimensions[letter].width = max(14, len(column.vi) + 4)
            if column.kind in (schema.CODE,):
                for r in range(2, 1002):
                    ws.cell(row=r, column=idx).number_format = "@"
            if (spec.name, column.key) in list_ranges:
                dv = DataValidation(type="list", formula1=list_ranges[(spec.name, column.key)], allow_blank=True)
                dv.error = "Chọn một giá trị trong danh sách."
                dv.errorTitle = "Giá trị không hợp lệ"
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}100000")
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
