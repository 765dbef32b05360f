"""`cadretrain demo`: a deterministic Hà Nội dataset written set-based in one transaction.

Everything is built in Python from `random.Random` streams derived from the seed, then written
with explicit ids through core.bulk (executemany on SQLite, COPY on PostgreSQL). The same seed,
size and day give the same data; only class dates and statuses depend on the day it runs."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import itertools
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from cadretrain.core.bulk import analyze, bulk_insert, reset_sequence
from cadretrain.demo import catalogue as cat
from cadretrain.demo.people import (
    NameMaker,
    assign_titles,
    base_credentials,
    build_history,
    fill_identity,
    place_people,
)
from cadretrain.demo.training import Pools, fill_classes, holding_key, plan_classes
from cadretrain.demo.units import UNIT_COLUMNS, build_tree
from cadretrain.domain.levels import LEVEL_RANKS, Dimension
from cadretrain.domain.text import fold

# size -> (people, enrolments). XS is for tests only.
SIZES: dict[str, tuple[int, int]] = {
    "XS": (500, 5_000),
    "S": (6_000, 60_000),
    "M": (40_000, 600_000),
    "L": (150_000, 3_000_000),
    "XL": (1_000_000, 10_000_000),
}

# Tables the demo writes with explicit ids (their sequences are moved past the maximum).
TABLES = [
    "org_orgunit", "org_position", "catalogue_institution", "catalogue_lecturer", "catalogue_programme",
    "people_person", "people_assignment", "people_credential", "training_trainingclass",
    "training_enrolment",
]


class DemoError(Exception):
    """The demo cannot be loaded (the database already holds data)."""


@dataclass
class Report:
    size: str
    seed: int
    counts: dict[str, int]
    seconds: float
    unmatched_old_communes: list[str]
    skipped: bool = False


def _insert(table: str, columns: tuple[str, ...] | list[str], rows) -> int:  # type: ignore[no-untyped-def]
    """bulk_insert, plus the model's defaults for NOT NULL columns the demo does not set (so a
    field another area adds with a default does not break the demo)."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    extra_cols: list[str] = []
    extra_vals: list[object] = []
    for f in model._meta.concrete_fields:
        if f.column in columns or f.null or f.primary_key:
            continue
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            value: object = timezone.now()
        else:
            value = f.get_default()
        extra_cols.append(f.column)
        extra_vals.append(f.get_db_prep_save(value, connection))
    if not extra_cols:
        return bulk_insert(table, columns, rows)
    tail = tuple(extra_vals)
    return bulk_insert(table, (*columns, *extra_cols), (tuple(row) + tail for row in rows))


@contextlib.contextmanager
def _indexes_deferred(table: str, rows_expected: int) -> Iterator[None]:
    """On SQLite, drop the table's secondary indexes during a large load and rebuild them after:
    building an index from the finished table is several times cheaper than updating it row by
    row with random keys. Unique indexes are rebuilt too, so duplicates still fail the load."""
    if connection.vendor != "sqlite" or rows_expected < 200_000:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def _stream(seed: int, name: str) -> random.Random:
    # One independent stream per phase, so a change in one phase does not reshuffle the others.
    return random.Random(f"cadretrain-demo:{seed}:{name}")


def database_has_people() -> bool:
    from cadretrain.people.models import Person as PersonModel

    return PersonModel.objects.exists()


def database_has_units() -> bool:
    from cadretrain.org.models import OrgUnit

    return OrgUnit.objects.exists()


def generate(*, size: str = "S", seed: int = 1, today: dt.date | None = None, if_empty: bool = False,
             log: Callable[[str], None] | None = None, hooks: bool = True) -> Report:
    """Load the demo dataset of `size` with `seed`; refuses a database that already has data.
    `hooks=False` leaves out other areas' extensions (tests of the core dataset only)."""
    if size not in SIZES:
        raise DemoError(f"unknown size {size}")
    say = log or (lambda line: print(line, file=sys.stderr, flush=True))
    if if_empty and database_has_people():
        return Report(size, seed, {}, 0.0, [], skipped=True)
    if database_has_people() or database_has_units():
        raise DemoError("database not empty")
    started, cpu_started = time.perf_counter(), time.process_time()
    day = today or timezone.localdate()
    with transaction.atomic():
        report = _generate(size=size, seed=seed, today=day, say=say, hooks=hooks)
    report.seconds = time.perf_counter() - started
    # CPU time too: on a shared machine the wall clock mostly measures the neighbours.
    say(f"demo: done in {report.seconds:.1f} s (CPU {time.process_time() - cpu_started:.1f} s)")
    return report


def _generate(*, size: str, seed: int, today: dt.date, say: Callable[[str], None], hooks: bool) -> Report:
    n_people, n_enrolments = SIZES[size]
    counts: dict[str, int] = {}
    clock = time.perf_counter()

    def step(label: str, count: int) -> None:
        nonlocal clock
        now = time.perf_counter()
        counts[label] = count
        say(f"demo: {label}: {count:,} ({now - clock:.1f} s)")
        clock = now

    vendor = connection.vendor

    @functools.cache
    def stamp(start: dt.date) -> str:
        # created_at, two weeks before the class starts: Django keeps naive UTC text on SQLite,
        # timestamptz on PostgreSQL. Cached: millions of rows share a few thousand days.
        day = start - dt.timedelta(days=14)
        return f"{day.isoformat()} 01:00:00" + ("+00" if vendor == "postgresql" else "")

    # Units and positions.
    tree = build_tree()
    step("units", _insert("org_orgunit", UNIT_COLUMNS, [u.row() for u in tree.units]))
    position_ids = {code: i for i, (code, _, _) in enumerate(cat.POSITIONS, start=1)}
    step("positions", _insert("org_position", ("id", "code", "name", "kind"),
                                  [(i, c, n, k) for i, (c, n, k) in enumerate(cat.POSITIONS, start=1)]))

    # Catalogue: institutions, lecturers, programmes.
    institution_ids = {name: i for i, (name, _, _) in enumerate(cat.INSTITUTIONS, start=1)}
    step("institutions", _insert(
        "catalogue_institution", ("id", "name", "search_key", "country", "is_partner"),
        [(i, n, fold(n), c, p) for i, (n, c, p) in enumerate(cat.INSTITUTIONS, start=1)]))
    rng = _stream(seed, "catalogue")
    names = NameMaker()
    lecturers = []
    for i in range(1, 8 * len(cat.INSTITUTIONS) + 1):
        gender = "F" if rng.random() < 0.45 else "M"
        full, _ = names.make(rng, gender)
        title = rng.choice(["PGS.TS.", "TS.", "ThS.", "TS.", "ThS."])
        inst = ((i - 1) % len(cat.INSTITUTIONS)) + 1
        guest = rng.random() < 0.2
        prog = rng.choice(cat.PROGRAMMES)
        lecturers.append((i, f"{title} {full}", fold(full), inst, guest, prog[7][:255]))
    step("lecturers", _insert(
        "catalogue_lecturer", ("id", "full_name", "search_key", "institution_id", "is_guest", "fields"),
        lecturers))
    programme_ids = {p[0]: i for i, p in enumerate(cat.PROGRAMMES, start=1)}
    step("programmes", _insert(
        "catalogue_programme",
        ("id", "code", "name", "search_key", "kind", "grants_dimension", "grants_level", "grants_language",
         "periods", "topics", "description"),
        [(i, p[0], p[1], fold(p[1]), p[2], p[3], p[4], p[5], p[6], p[7], f"Chương trình {p[1].lower()}.")
         for i, p in enumerate(cat.PROGRAMMES, start=1)]))

    # People.
    rng = _stream(seed, "people")
    people = place_people(rng, tree, n_people)
    assign_titles(_stream(seed, "titles"), people)
    fill_identity(_stream(seed, "identity"), people, today)
    build_history(_stream(seed, "history"), tree, people, today)
    person_rows = [
        (p.idx, p.code, p.full_name, fold(p.full_name), p.birth.isoformat(), p.gender, p.category,
         p.home.id, position_ids.get(p.position), p.tier, p.rank, p.party, p.ethnicity, p.national_id,
         p.email, p.phone, p.joined.isoformat(), p.left.isoformat() if p.left else None)
        for p in people
    ]
    step("people", _insert(
        "people_person",
        ("id", "code", "full_name", "search_key", "birth_date", "gender", "category", "unit_id",
         "position_id", "management_tier", "rank_code", "party_member", "ethnicity", "national_id",
         "email", "phone", "joined_on", "left_on"),
        person_rows))
    del person_rows
    assignment_rows = []
    aid = 0
    for p in people:
        last = len(p.assignments) - 1
        for k, (unit_id, position, start, end) in enumerate(p.assignments):
            aid += 1
            assignment_rows.append((aid, p.idx, unit_id, position_ids.get(position), start.isoformat(),
                                    end.isoformat() if end else None, True))
            if k == last and unit_id != p.home.id:
                raise AssertionError(f"{p.code}: current unit is not the last assignment")
    step("assignments", _insert(
        "people_assignment", ("id", "person_id", "unit_id", "position_id", "valid_from", "valid_to",
                              "is_primary"), assignment_rows))
    del assignment_rows

    # Credentials held before the demo's classes; `holdings` = best rank per dimension.
    rng = _stream(seed, "credentials")
    numbers = itertools.count(1)
    holdings: list[dict[str, int]] = []
    credential_rows: list[tuple] = []  # type: ignore[type-arg]
    cid = 0
    # The key of a credential is (person, dimension, level, issued_on) without the language: two
    # languages at one level on one day would collide, so the later one is left out.
    seen: set[tuple[int, str, str, dt.date]] = set()
    for p in people:
        held: dict[str, int] = {}
        for dim, level, lang, subject, issued, issuer, number in base_credentials(rng, p, today, numbers):
            if (p.idx, dim, level, issued) in seen:
                continue
            seen.add((p.idx, dim, level, issued))
            cid += 1
            credential_rows.append((cid, p.idx, dim, level, lang, subject, issued.isoformat(), issuer,
                                    number, None))
            key = holding_key(dim, lang)
            held[key] = max(held.get(key, 0), LEVEL_RANKS[Dimension(dim)][level])
        holdings.append(held)

    # Classes and enrolments.
    partners = [(institution_ids[n], c) for n, c, partner in cat.INSTITUTIONS if partner]
    pools = Pools(people)
    classes = plan_classes(_stream(seed, "classes"), tree, people, pools, n_enrolments, today,
                           programme_ids, institution_ids, partners)
    class_columns = ("id", "code", "programme_id", "name", "search_key", "organizer_unit_id",
                     "institution_id", "partner_id", "country", "start_date", "end_date", "capacity",
                     "enrolled", "cost_vnd", "mode", "status")
    step("classes", _insert("training_trainingclass", class_columns, [
        (c.id, c.code, c.programme_id, c.name[:255], fold(c.name)[:255], c.organizer_id, c.institution_id,
         c.partner_id, c.country, c.start.isoformat(), c.end.isoformat(), c.capacity, 0, c.cost, c.mode,
         c.status) for c in classes]))
    grants: list = []  # type: ignore[type-arg]
    rows = fill_classes(_stream(seed, "enrolments"), classes, people, pools, holdings, grants)
    with _indexes_deferred("training_enrolment", n_enrolments):
        step("enrolments", _insert(
            "training_enrolment",
            ("id", "training_class_id", "person_id", "status", "score", "completed_on", "certificate_no",
             "created_at"),
            ((e[0], e[1], e[2], e[3], e[4], e[5], e[6], stamp(e[7])) for e in rows)))
    with connection.cursor() as cursor:
        # Seats taken, counted set-based from the rows just written: one grouped pass joined back,
        # not a correlated subquery per class (PostgreSQL, without statistics right after COPY,
        # planned that as a scan of all 3M enrolments per class at L and ran for over ten minutes).
        cursor.execute(
            "UPDATE training_trainingclass SET enrolled = s.n FROM ("
            "SELECT training_class_id, COUNT(*) AS n FROM training_enrolment "
            "WHERE status IN ('ENROLLED', 'COMPLETED', 'FAILED') GROUP BY training_class_id"
            ") AS s WHERE s.training_class_id = training_trainingclass.id"
        )
    institution_names = {i: n for n, i in institution_ids.items()}
    for eid, i, klass, number in grants:
        prog = klass.programme
        if (people[i].idx, prog[3], prog[4], klass.end) in seen:
            continue
        seen.add((people[i].idx, prog[3], prog[4], klass.end))
        cid += 1
        issuer = institution_names.get(klass.institution_id or 0, "Sở Nội vụ Hà Nội")
        credential_rows.append((cid, people[i].idx, prog[3], prog[4], prog[5], "", klass.end.isoformat(),
                                issuer, number, eid))
    del seen
    with _indexes_deferred("people_credential", len(credential_rows)):
        step("credentials", _insert(
            "people_credential",
            ("id", "person_id", "dimension", "level", "language", "field", "issued_on", "issuer",
             "certificate_no", "enrolment_id"), credential_rows))
    del credential_rows

    for table in TABLES:
        reset_sequence(table)
    # Statistics before anything queries the new rows (derived tables, hooks, the learner pick):
    # without them the planners choose scans.
    analyze()
    step("analyze", 1)

    from cadretrain.training.signals import enrolments_rebuilt

    enrolments_rebuilt.send(sender=None)
    step("derived tables rebuilt", 1)

    if hooks:
        _run_hook("cadretrain.standards.seed", "load_seed_standards", say)
        _run_hook("cadretrain.training.demo_extras", "generate", say, seed=seed, size=size)
        _run_hook("cadretrain.abroad.demo_extras", "generate", say, seed=seed, size=size)

    from cadretrain.demo.users import create_demo_users

    step("demo users", len(create_demo_users()))
    if hooks:
        analyze()  # the extensions added rows of their own
        step("analyze again", 1)
    return Report(size, seed, counts, 0.0, tree.unmatched_old)


def _run_hook(module_name: str, function: str, say: Callable[[str], None], **kwargs: object) -> None:
    """Call another area's extension if its module exists; a missing module is the only thing
    skipped (an import error inside it must surface)."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            say(f"demo: {module_name} not present, skipped")
            return
        raise
    started = time.perf_counter()
    getattr(module, function)(**kwargs)
    say(f"demo: {module_name}.{function} ({time.perf_counter() - started:.1f} s)")

