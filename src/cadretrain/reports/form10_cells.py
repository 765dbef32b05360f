"""Keeping Form10Person — each learner's cells of form 10-BTCTW, per class year — equal to the
raw rows, so that a cold form reads a few thousand groups instead of a year's enrolments.

A learner's cells of a year are the (leaf row, learner column) pairs their non-withdrawn
enrolments in the year's classes count in, exactly as `form10.build_form10_raw` maps one
enrolment: the class's row from its programme, mode, country, partner (and for defence the object
from the programme name or the learner's tier and leadership), the column from the level of the
learner's primary unit on the class start date (else their current unit), districts read as
communes in two-tier years, "L" when the learner then led. They are stored as one text of sorted
"leaf:column" tokens (empty: the learner attended only classes without a row) together with the
management tier they were computed with, so the form groups a year's rows by that text and adds
each group's size to every (row, column) a token of it reaches: headings still count a learner
once over the union of their leaves. A unit's officer reads the rows of the people whose
*current* unit lies in the subtree, as `Enrolment.visible_to` scopes them.

What a learner's cells depend on, and what brings them up to date (in the writer's transaction):
* their enrolments — `enrolments_changed`: the people named are recomputed; every learner of a
  class named whose date, programme, mode, country or partner is not the one filed for it in
  `Form10Class` (the importer updates classes with UPDATE and names them there), or of every
  class named when no people are; `enrolments_rebuilt`: everything;
* a class's date, programme, mode, country, partner — post_save of the class (its learners, when
  its filing changed); a deleted class — its learners, remembered in pre_delete;
* their current unit, position, tier — post_save of the person; their primary assignment
  history — post_save / post_delete of an assignment;
* unit levels (kinds and ancestry: `unit_move` rewrites paths with UPDATE), position kinds,
  programme kind / level / name — a small snapshot (`Form10Basis`) is compared with the tables
  after any save or delete of a unit, position or programme and after every audit event of one
  (moves) or of an import; the learners referring to what changed are recomputed (everyone, by a
  rebuild, when more than REBUILD_ABOVE are); the tiers an import changes with UPDATE —
  `people.signals.tiers_changed`, which names those people.
Recomputing is per person, every year at once: (person, year) rows are deleted and written again
only for people whose cells changed. The learners' summary days (reports.learner_days) depend on
a subset of the same facts and are refreshed with them, for the same people."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from cadretrain.core.bulk import enrolment_ranges
from cadretrain.core.scoping import units_in_subtree_sql
from cadretrain.domain.text import fold
from cadretrain.reports import learner_days
from cadretrain.reports.form10 import (
    _OBJECT,
    COMMUNE,
    DISTRICT,
    PROVINCIAL,
    TWO_TIER_FROM_YEAR,
    ClassInfo,
    RowDef,
    class_candidates,
    is_leader,
    learner_column,
    learner_row,
    row_defs,
)

CHUNK = 5000  # people or classes per statement (IN lists: ≤ 4 × 5,000 parameters)
INSERT_ROWS = 4000  # rows per INSERT (4 parameters each)
COPY_ABOVE = 50  # rows written with COPY rather than INSERT on PostgreSQL
FEW_UNITS = 40  # units whose levels are read one by one; more: every unit's level is read at once
REBUILD_ABOVE = 40_000  # people to recompute after a basis change beyond which everything is rebuilt
_LETTER = {PROVINCIAL: "p", DISTRICT: "d", COMMUNE: "c"}


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _chunks(values: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _date(value: dt.date | str | None) -> dt.date | None:
    """A date column read through a UNION (SQLite returns text there)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _level_of(path: str, kinds: dict[int, str]) -> str:
    """`form10.unit_levels` for one unit: from the kinds of the units on its path."""
    on_path = {kinds[int(i)] for i in path.strip("/").split("/") if i and int(i) in kinds}
    return COMMUNE if on_path & {"WARD", "COMMUNE"} else DISTRICT if "DISTRICT" in on_path else PROVINCIAL


def _levels(units: list[tuple[int, str, str]]) -> dict[int, str]:
    kinds = {pk: kind for pk, kind, _path in units}
    return {pk: _level_of(path, kinds) for pk, _kind, path in units}


class _Lookups:
    """Classes and unit levels read once for one refresh or rebuild."""

    def __init__(self, cursor) -> None:  # type: ignore[no-untyped-def]
        self.cursor = cursor
        self.leaves: list[RowDef] = [d for d in row_defs() if d.match is not None]
        # class -> (year, start date, object in the programme name, candidate rows)
        self.classes: dict[int, tuple[int, dt.date, re.Match[str] | None, list[RowDef]]] = {}
        self.levels: dict[int, str] = {}
        self.every_level = False
        # (kind, level, mode, country, partnered, programme name) -> (object in the name,
        # candidate rows): shared by the classes of one programme run the same way, which at L
        # are 76,000 classes of 40 programmes.
        self._filings: dict[tuple, tuple[re.Match[str] | None, list[RowDef]]] = {}

    def load_classes(self, ids: Iterable[int] | None) -> None:
        sql = ("SELECT c.id, c.start_date, c.mode, c.country, c.partner_id, p.kind, p.grants_level, p.name "
               "FROM training_trainingclass c JOIN catalogue_programme p ON p.id = c.programme_id")
        if ids is None:
            self.cursor.execute(sql, [])
            # In batches: every class of a large database at once was ~45 MB of row tuples.
            while rows := self.cursor.fetchmany(CHUNK):
                self._file_classes(rows)
            return
        for batch in _chunks(sorted(set(ids) - self.classes.keys())):
            self.cursor.execute(f"{sql} WHERE c.id IN ({_marks(batch)})", list(batch))
            self._file_classes(self.cursor.fetchall())

    def _file_classes(self, rows: list[tuple]) -> None:
        filings = self._filings
        for pk, day, mode, country, partner, kind, level, name in rows:
            key = (kind, level, mode, country, partner is not None, name)
            filing = filings.get(key)
            if filing is None:
                info = ClassInfo(kind, level or "", mode, country, partner is not None, fold(name or ""))
                filing = filings[key] = (_OBJECT.search(info.name_key), class_candidates(self.leaves, info))
            day = _date(day)
            self.classes[pk] = (day.year, day, *filing)

    def load_levels(self, unit_ids: Iterable[int]) -> None:
        if self.every_level:
            return
        missing = sorted({u for u in unit_ids if u is not None} - self.levels.keys())
        if not missing:
            return
        if len(missing) > FEW_UNITS:
            self.load_every_level()
            return
        self.cursor.execute(f"SELECT id, path FROM org_orgunit WHERE id IN ({_marks(missing)})", missing)
        paths: dict[int, str] = dict(self.cursor.fetchall())
        on_paths = sorted({int(i) for p in paths.values() for i in p.strip("/").split("/") if i})
        kinds: dict[int, str] = {}
        for batch in _chunks(on_paths):
            self.cursor.execute(f"SELECT id, kind FROM org_orgunit WHERE id IN ({_marks(batch)})", list(batch))
            kinds.update(self.cursor.fetchall())
        for pk, path in paths.items():
            self.levels[pk] = _level_of(path, kinds)

    def load_every_level(self) -> None:
        self.cursor.execute("SELECT id, kind, path FROM org_orgunit", [])
        self.levels = _levels(self.cursor.fetchall())
        self.every_level = True


Rows = dict[tuple[int, int], tuple[str, str]]  # (person, year) -> (tier, cells)


def _compute(look: _Lookups, where: str, params: list[Any], *, stored: bool) -> tuple[Rows, Rows]:
    """The rows of the people selected by `where` (a condition on a person id column `{col}`)
    computed from the raw people, assignments and enrolments, and (`stored`) the rows stored for
    them now. One statement reads all four."""
    parts = [
        # Typed NULLs: PostgreSQL resolves a UNION's column types branch by branch.
        ("SELECT 0, pe.id, pe.unit_id, pos.kind, pe.management_tier, CAST(NULL AS DATE), CAST(NULL AS DATE), "
         "CAST(NULL AS BIGINT), CAST(NULL AS TEXT) FROM people_person pe "
         "LEFT JOIN org_position pos ON pos.id = pe.position_id WHERE " + where.format(col="pe.id"), params),
        ("SELECT 1, e.person_id, e.training_class_id, NULL, NULL, NULL, NULL, NULL, NULL FROM training_enrolment e "
         "WHERE " + where.format(col="e.person_id") + " AND e.status <> %s", [*params, "WITHDRAWN"]),
        ("SELECT 2, a.person_id, a.unit_id, pos.kind, NULL, a.valid_from, a.valid_to, a.id, NULL "
         "FROM people_assignment a LEFT JOIN org_position pos ON pos.id = a.position_id "
         "WHERE " + where.format(col="a.person_id") + " AND a.is_primary = %s", [*params, True]),
    ]
    if stored:
        parts.append(("SELECT 3, f.person_id, f.year, NULL, f.tier, NULL, NULL, NULL, f.cells "
                      "FROM reports_form10person f WHERE " + where.format(col="f.person_id"), params))
    look.cursor.execute(" UNION ALL ".join(sql for sql, _ in parts), [p for _, ps in parts for p in ps])
    people: dict[int, tuple[int, str | None, str]] = {}
    enrolments: list[tuple[int, int]] = []
    history: dict[int, list[tuple[dt.date, int, dt.date | None, int, str | None]]] = defaultdict(list)
    old: Rows = {}
    for part, pid, number, kind, text, since, until, aid, cells in look.cursor.fetchall():
        if part == 0:
            people[pid] = (number, kind, text or "")
        elif part == 1:
            enrolments.append((pid, number))
        elif part == 2:
            history[pid].append((_date(since), aid, _date(until), number, kind))  # type: ignore[arg-type]
        else:
            old[(pid, int(number))] = (text or "", cells or "")
    if not enrolments:
        return {}, old
    for periods in history.values():
        periods.sort(key=lambda a: (a[0], a[1]))  # the first primary assignment covering a day wins
    look.load_classes(cid for _pid, cid in enrolments)
    look.load_levels([u for u, _p, _t in people.values()] + [a[3] for h in history.values() for a in h])

    tokens: dict[tuple[int, int], set[str]] = {}
    for pid, cid in enrolments:
        year, day, obj_match, candidates = look.classes[cid]
        unit, pos, tier = people[pid]
        for since, _aid, until, a_unit, a_pos in history.get(pid, ()):
            if since <= day and (until is None or until >= day):
                unit, pos = a_unit, a_pos
                break
        two_tier = year >= TWO_TIER_FROM_YEAR
        level = learner_column(look.levels.get(unit, PROVINCIAL), two_tier)
        leader = is_leader(pos, tier)
        cells = tokens.setdefault((pid, year), set())
        row = learner_row(candidates, obj_match, tier, leader)
        if row is not None:
            # Three-tier years have no "of which leaders" column at commune level.
            lead = "L" if leader and (two_tier or level != COMMUNE) else ""
            cells.add(f"{row.code}:{_LETTER[level]}{lead}")
    return {key: (people[key[0]][2], " ".join(sorted(cells))) for key, cells in tokens.items()}, old


def _insert(cursor, rows: Rows) -> None:  # type: ignore[no-untyped-def]
    items = sorted(rows.items())
    if connection.vendor == "postgresql" and len(items) > COPY_ABOVE:
        # COPY: the rebuild's 1.2 million rows at L took 44 s as multi-row INSERTs.
        with cursor.cursor.copy("COPY reports_form10person (person_id, year, tier, cells) FROM STDIN") as copy:
            for (pid, year), (tier, cells) in items:
                copy.write_row((pid, year, tier, cells))
        return
    if connection.vendor == "sqlite":
        # One prepared single-row statement for any number of rows. A multi-row INSERT is a new
        # statement text for each number of rows, and the driver keeps its last 128 prepared, each
        # of up to 16,000 parameters here (about 450 KB per 3,000 parameters, measured).
        cursor.executemany("INSERT INTO reports_form10person (person_id, year, tier, cells) VALUES (%s, %s, %s, %s)",
                           [(pid, year, tier, cells) for (pid, year), (tier, cells) in items])
        return
    for i in range(0, len(items), INSERT_ROWS):
        batch = items[i:i + INSERT_ROWS]
        cursor.execute(
            "INSERT INTO reports_form10person (person_id, year, tier, cells) VALUES "
            + ", ".join(["(%s, %s, %s, %s)"] * len(batch)),
            [v for (pid, year), (tier, cells) in batch for v in (pid, year, tier, cells)])


def _refresh(cursor, person_ids: Sequence[int], look: _Lookups) -> None:  # type: ignore[no-untyped-def]
    for chunk in _chunks(person_ids):
        marks = _marks(chunk)
        if connection.vendor == "postgresql":
            # Recomputations of one person wait for each other from here (READ COMMITTED: the
            # later one then reads the earlier one's committed enrolments), so two concurrent
            # changes of one person cannot leave rows computed without the other. The cube locks
            # the person the same way; SQLite serialises writers already.
            cursor.execute(f"SELECT id FROM people_person WHERE id IN ({marks}) ORDER BY id FOR NO KEY UPDATE",
                           list(chunk))
        # The learners' summary days depend on a subset of what their cells do: refreshed here,
        # for the same people, whether or not their cells changed (a completion moves only days).
        learner_days.refresh(cursor, chunk)
        new, old = _compute(look, f"{{col}} IN ({marks})", list(chunk), stored=True)
        if old == new:
            continue
        changed = {k[0] for k in old.keys() ^ new.keys()} | {k[0] for k in new if k in old and old[k] != new[k]}
        filed = sorted({k[0] for k in old} & changed)
        if filed:
            cursor.execute(f"DELETE FROM reports_form10person WHERE person_id IN ({_marks(filed)})", filed)
        _insert(cursor, {k: v for k, v in new.items() if k[0] in changed})


@transaction.atomic(savepoint=False)
def refresh_people(person_ids: Iterable[int]) -> None:
    """Recompute these people's rows, every year (only people whose rows differ are written)."""
    people = sorted({p for p in person_ids if p is not None})
    if not people:
        return
    with connection.cursor() as cursor:
        _refresh(cursor, people, _Lookups(cursor))


def learners_of_classes(cursor, class_ids: Iterable[int]) -> set[int]:  # type: ignore[no-untyped-def]
    found: set[int] = set()
    for chunk in _chunks(sorted(set(class_ids))):
        cursor.execute(f"SELECT DISTINCT person_id FROM training_enrolment WHERE training_class_id IN ({_marks(chunk)})",
                       list(chunk))
        found.update(r[0] for r in cursor.fetchall())
    return found


def _filing(day: dt.date | str, programme: int, mode: str, country: str, partner: int | None) -> str:
    return f"{_date(day)}|{programme}|{mode}|{country}|{'P' if partner is not None else ''}"


def _insert_filings(cursor, filings: list[tuple[int, str]]) -> None:  # type: ignore[no-untyped-def]
    for i in range(0, len(filings), INSERT_ROWS):
        batch = filings[i:i + INSERT_ROWS]
        cursor.execute("INSERT INTO reports_form10class (training_class_id, filed) VALUES "
                       + ", ".join(["(%s, %s)"] * len(batch)), [v for row in batch for v in row])


def refile_classes(cursor, class_ids: Iterable[int]) -> set[int]:  # type: ignore[no-untyped-def]
    """File these classes as they are now; returns those whose filing changed (new, gone, or
    with another date, programme, mode, country or partner than their learners' rows were
    computed with)."""
    return _refile(cursor, class_ids)[0]


def _refile(cursor, class_ids: Iterable[int]) -> tuple[set[int], set[int]]:  # type: ignore[no-untyped-def]
    """`refile_classes`, and which of the changed classes were filed for the first time."""
    changed: set[int] = set()
    first: set[int] = set()
    for chunk in _chunks(sorted(set(class_ids))):
        cursor.execute(
            "SELECT c.id, c.start_date, c.programme_id, c.mode, c.country, c.partner_id, f.filed "
            "FROM training_trainingclass c LEFT JOIN reports_form10class f ON f.training_class_id = c.id "
            f"WHERE c.id IN ({_marks(chunk)})", list(chunk))
        rows = cursor.fetchall()
        now = {pk: _filing(*rest) for pk, *rest, _filed in rows}
        old = {pk: filed for pk, *_rest, filed in rows}
        gone = [pk for pk in chunk if pk not in now]
        diff = [pk for pk in now if now[pk] != old[pk]]
        stale = gone + [pk for pk in diff if old[pk] is not None]
        if stale:
            cursor.execute(f"DELETE FROM reports_form10class WHERE training_class_id IN ({_marks(stale)})", stale)
        _insert_filings(cursor, [(pk, now[pk]) for pk in diff])
        changed.update(diff, gone)
        first.update(pk for pk in diff if old[pk] is None)
    return changed, first


def rebuild(conn=connection) -> None:  # type: ignore[no-untyped-def]
    """Recompute every row from the raw rows (bulk loads, the migration), the basis and the
    class filings."""
    with conn.cursor() as cursor:
        for table in ("reports_form10person", "reports_form10class", "reports_form10basis"):
            cursor.execute(f"TRUNCATE {table}" if conn.vendor == "postgresql" else f"DELETE FROM {table}", [])
        look = _Lookups(cursor)
        look.load_classes(None)
        look.load_every_level()
        for start, end in enrolment_ranges(cursor, learner_days.REBUILD_ENROLMENTS):
            rows, _old = _compute(look, "{col} >= %s AND {col} < %s", [start, end], stored=False)
            _insert(cursor, rows)
        now, _stored = _read_basis(cursor, stored=False)
        _write_basis(cursor, now, {})
        cursor.execute("SELECT id, start_date, programme_id, mode, country, partner_id FROM training_trainingclass "
                       "ORDER BY id", [])
        # Read whole before the same cursor writes them, as (id, filing) pairs rather than rows.
        filings = []
        while rows := cursor.fetchmany(CHUNK):
            filings.extend((pk, _filing(*rest)) for pk, *rest in rows)
        _insert_filings(cursor, filings)
        if conn.vendor == "postgresql":
            cursor.execute("ANALYZE reports_form10person", [])
            cursor.execute("ANALYZE reports_form10class", [])
        else:
            # Statistics from a sample of the index entries: a subtree's people are then read
            # through the primary key.
            cursor.execute("PRAGMA analysis_limit = 1000", [])
            cursor.execute("ANALYZE reports_form10person", [])
            cursor.execute("PRAGMA analysis_limit = 0", [])


def rebuild_with_days() -> None:
    """`rebuild` and the learners' summary days (reports.learner_days), which ride on this
    module's change detection. (The migration that created the cells fills only them: the days
    have a migration of their own.)"""
    rebuild()
    learner_days.rebuild()


# --- the basis: unit levels, position kinds, programmes -----------------------------------------


def _read_basis(cursor, *, stored: bool) -> tuple[dict[str, str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """In one statement: the basis as the tables give it now, and as stored (`stored`)."""
    parts = ["SELECT 'u', id, kind, path, NULL FROM org_orgunit",
             "SELECT 'p', id, kind, NULL, NULL FROM org_position",
             "SELECT 'g', id, kind, grants_level, name FROM catalogue_programme"]
    if stored:
        parts.append("SELECT 'b', NULL, item, value, NULL FROM reports_form10basis")
    cursor.execute(" UNION ALL ".join(parts), [])
    units, now, old = [], {}, {}
    for tag, pk, a, b, c in cursor.fetchall():
        if tag == "u":
            units.append((pk, a, b))
        elif tag == "p":
            now[f"p:{pk}"] = "L" if a == "LEADERSHIP" else ""
        elif tag == "g":
            now[f"g:{pk}"] = f"{a}|{b or ''}|{fold(c or '')}"
        else:
            old[a] = b or ""
    now.update((f"u:{pk}", _LETTER[level]) for pk, level in _levels(units).items())
    return now, old


def _write_basis(cursor, now: dict[str, str], stored: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    stale = sorted(k for k in stored if now.get(k) != stored[k])
    for batch in _chunks(stale):  # type: ignore[arg-type]
        cursor.execute(f"DELETE FROM reports_form10basis WHERE item IN ({_marks(batch)})", list(batch))
    items = [(k, v) for k, v in sorted(now.items()) if stored.get(k) != v]
    for i in range(0, len(items), INSERT_ROWS):
        batch2 = items[i:i + INSERT_ROWS]
        cursor.execute("INSERT INTO reports_form10basis (item, value) VALUES " + ", ".join(["(%s, %s)"] * len(batch2)),
                       [v for kv in batch2 for v in kv])


@transaction.atomic(savepoint=False)
def check_basis() -> None:
    """Recompute the learners whose cells may depend on a unit level, a position kind or a
    programme that changed since the rows were computed. A unit, position or programme new to
    the basis is only recorded: rows referring to it were computed after it was written (it is
    recorded in the transaction that creates it)."""
    with connection.cursor() as cursor:
        now, stored = _read_basis(cursor, stored=True)
        people: set[int] = set()
        changed = {k for k in stored if now.get(k) != stored[k]}
        ids = {kind: sorted(int(k[2:]) for k in changed if k[0] == kind) for kind in "upg"}
        has_rows = "AND EXISTS (SELECT 1 FROM reports_form10person f WHERE f.person_id = {col})"
        for kind, sqls in (
            ("u", ["SELECT pe.id FROM people_person pe WHERE pe.unit_id IN ({m}) " + has_rows.format(col="pe.id"),
                   "SELECT a.person_id FROM people_assignment a WHERE a.unit_id IN ({m}) "
                   + has_rows.format(col="a.person_id")]),
            ("p", ["SELECT pe.id FROM people_person pe WHERE pe.position_id IN ({m}) " + has_rows.format(col="pe.id"),
                   "SELECT a.person_id FROM people_assignment a WHERE a.position_id IN ({m}) "
                   + has_rows.format(col="a.person_id")]),
            ("g", ["SELECT DISTINCT e.person_id FROM training_enrolment e JOIN training_trainingclass c "
                   "ON c.id = e.training_class_id WHERE c.programme_id IN ({m})"]),
        ):
            for chunk in _chunks(ids[kind]):
                for sql in sqls:
                    cursor.execute(sql.format(m=_marks(chunk)), list(chunk))
                    people.update(r[0] for r in cursor.fetchall())
        if _recompute(cursor, people):
            return  # the rebuild recorded the basis as it is now
        if now != stored:
            _write_basis(cursor, now, stored)


def _recompute(cursor, people: Collection[int]) -> bool:  # type: ignore[no-untyped-def]
    """Recompute these people's rows, or everyone's by a rebuild when they are more than
    REBUILD_ABOVE (True then)."""
    if len(people) > REBUILD_ABOVE:
        rebuild_with_days()
        return True
    if people:
        _refresh(cursor, sorted(people), _Lookups(cursor))
    return False


# --- reading ------------------------------------------------------------------------------------


def learner_groups(*, year: int, unit_path: str | None) -> list[tuple[str, int]]:
    """(cells, number of learners) of a year, city-wide or for the people whose current unit
    lies in a subtree."""
    with connection.cursor() as cursor:
        if unit_path is None:
            cursor.execute("SELECT cells, COUNT(*) FROM reports_form10person WHERE year = %s GROUP BY cells", [year])
        else:
            # From the subtree's people to their rows (the key starts with the person), not from
            # every row of the year to its person and unit (SQLite keeps the CROSS JOIN's order).
            in_subtree, params = units_in_subtree_sql("pe.unit_id", unit_path)
            cursor.execute(
                "SELECT f.cells, COUNT(*) FROM people_person pe CROSS JOIN reports_form10person f "
                f"WHERE f.person_id = pe.id AND f.year = %s AND {in_subtree} GROUP BY f.cells",
                [year, *params])
        return [(cells, int(n)) for cells, n in cursor.fetchall()]


# --- signal receivers -------------------------------------------------------------------------

_CLASS_FIELDS = {"start_date", "programme", "programme_id", "mode", "country", "partner", "partner_id"}
_PERSON_FIELDS = {"unit", "unit_id", "position", "position_id", "management_tier"}
_BASIS_MODELS = {"org.orgunit", "org.position", "catalogue.programme"}


def _on_enrolments_changed(sender: object, *, person_ids: Iterable[int] = (), class_ids: Iterable[int] = (),
                           **_: object) -> None:
    people, classes = set(person_ids), set(class_ids)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Every learner of a class whose own fields changed (the importer updates classes with
        # UPDATE and names them here); of every class named when no people are. A class filed
        # for the first time is new in this transaction (a class's save files it at once; the
        # importer's are filed here), so its learners were enrolled by the same writer, which
        # names them: reading them again cost 7.5 s of a 3-million-enrolment PostgreSQL import.
        refiled, first = _refile(cursor, classes)
        people |= learners_of_classes(cursor, (refiled - first) if people else classes)
        if people:
            _refresh(cursor, sorted(people), _Lookups(cursor))


def _on_enrolments_rebuilt(sender: object, **_: object) -> None:
    with transaction.atomic(savepoint=False):
        rebuild_with_days()


def _on_class_saved(sender: object, instance: Any, created: bool = False,
                    update_fields: Iterable[str] | None = None, **_: object) -> None:
    if created or update_fields is None or _CLASS_FIELDS & set(update_fields):
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            if refile_classes(cursor, [instance.pk]) and not created:
                _refresh(cursor, sorted(learners_of_classes(cursor, [instance.pk])), _Lookups(cursor))


def _on_class_deleting(sender: object, instance: Any, **_: object) -> None:
    with connection.cursor() as cursor:
        instance._form10_people = learners_of_classes(cursor, [instance.pk])


def _on_class_deleted(sender: object, instance: Any, **_: object) -> None:
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_form10class WHERE training_class_id = %s", [instance.pk])
        _refresh(cursor, sorted(getattr(instance, "_form10_people", ())), _Lookups(cursor))


def _on_person_saved(sender: object, instance: Any, created: bool = False,
                     update_fields: Iterable[str] | None = None, **_: object) -> None:
    if not created and (update_fields is None or _PERSON_FIELDS & set(update_fields)):
        refresh_people([instance.pk])


def _on_assignment_changed(sender: object, instance: Any, **_: object) -> None:
    refresh_people([instance.person_id])


def _on_tiers_changed(sender: object, *, person_ids: Iterable[int] = (), **_: object) -> None:
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        _recompute(cursor, set(person_ids))


def _on_basis_changed(sender: object, **_: object) -> None:
    check_basis()


def _on_audit(sender: object, instance: Any, created: bool = False, **_: object) -> None:
    if not created:
        return
    if instance.action == "import" or instance.model in _BASIS_MODELS:
        check_basis()


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_delete

    from cadretrain.catalogue.models import Programme
    from cadretrain.core.models import AuditEvent
    from cadretrain.org.models import OrgUnit, Position
    from cadretrain.people.models import Assignment, Person
    from cadretrain.people.signals import tiers_changed
    from cadretrain.training.models import TrainingClass
    from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt

    enrolments_changed.connect(_on_enrolments_changed, dispatch_uid="reports_form10")
    enrolments_rebuilt.connect(_on_enrolments_rebuilt, dispatch_uid="reports_form10_rebuild")
    post_save.connect(_on_class_saved, sender=TrainingClass, dispatch_uid="reports_form10_class")
    pre_delete.connect(_on_class_deleting, sender=TrainingClass, dispatch_uid="reports_form10_class_pre_del")
    post_delete.connect(_on_class_deleted, sender=TrainingClass, dispatch_uid="reports_form10_class_del")
    post_save.connect(_on_person_saved, sender=Person, dispatch_uid="reports_form10_person")
    tiers_changed.connect(_on_tiers_changed, dispatch_uid="reports_form10_tiers")
    post_save.connect(_on_assignment_changed, sender=Assignment, dispatch_uid="reports_form10_assignment")
    post_delete.connect(_on_assignment_changed, sender=Assignment, dispatch_uid="reports_form10_assignment_del")
    for model in (OrgUnit, Position, Programme):
        post_save.connect(_on_basis_changed, sender=model, dispatch_uid=f"reports_form10_basis_{model.__name__}")
        post_delete.connect(_on_basis_changed, sender=model,
                            dispatch_uid=f"reports_form10_basis_del_{model.__name__}")
    post_save.connect(_on_audit, sender=AuditEvent, dispatch_uid="reports_form10_audit")
