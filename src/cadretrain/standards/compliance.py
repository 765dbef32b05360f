"""Compliance with the standards, kept person by person for the days reports ask about.

Reports show how many people meet their post's standards on a day (the end of a period, today).
Evaluating the whole workforce from the raw rows takes 1.5–2 s at L (150,000 people, millions of
credentials and completions), and any committed change used to throw that result away. Here the
outcome of each person on a kept day — their unit and the dimensions they fall short in — is a
row of PersonCompliance, written by the same evaluation (`evaluation.unmet_by_person`) and moved
with every change, so a report reads a day's counts per unit from one index (tens of ms at L).

Kept days: a day is computed in full the first time a report asks for it (ensure_day), then kept
up to date until it is one of the least recently used beyond MAX_DAYS. What moves the rows:
* a person saved or deleted, a credential saved or deleted: that person's rows;
* enrolments changed (`enrolments_changed`): the people with a completion among the changes (or,
  without a list of changes, every person named unless the sender says no completion moved);
* a class saved with another programme, or deleted: its completed learners;
* anything that changes who is bound or what counts — standards, requirements, programmes,
  positions, an import that wrote such sheets, a rebuild of the enrolments: every kept day is
  forgotten and recomputed when next asked for (forget_days).
As a safety net against a writer that signals none of these, a day older than MAX_AGE is
recomputed on its next use. `cadretrain warm_reports` (cron) computes today's ahead of the
leaders, and recomputes it once it is half that old, so that no request waits for it.

Concurrency (PostgreSQL, read committed): a person's refresh first takes ROW EXCLUSIVE on the
table, then reads the kept days and the person's facts; computing a day takes SHARE ROW EXCLUSIVE,
which waits for every transaction that refreshed people to commit and holds new ones back until
the day is committed. So a change either sees the new day and refreshes it, or committed before
the day's rows were read. SQLite runs one writer at a time (BEGIN IMMEDIATE), which gives the same.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from cadretrain.core.bulk import bulk_insert
from cadretrain.domain.access import Actor, Role
from cadretrain.domain.levels import DerivedDimension, Dimension
from cadretrain.standards.evaluation import (
    WorkforceResult,
    _roll_up,
    applicability_q,
    evaluate_workforce,
    rules_in_force,
    scoped_units,
    unmet_by_person,
)
from cadretrain.standards.models import ComplianceDay, PersonCompliance

MAX_DAYS = 8
MAX_AGE = dt.timedelta(hours=6)
TOUCH_EVERY = dt.timedelta(minutes=10)  # how stale a day's last use may be recorded
CHUNK = 5_000  # people refreshed per statement
TABLE = PersonCompliance._meta.db_table
COLUMNS = ("day", "person_id", "unit_id", "gaps")

# A bit per dimension; new dimensions are appended (stored rows keep their meaning).
DIMENSIONS: tuple[str, ...] = (*(d.value for d in Dimension), *(d.value for d in DerivedDimension))
DIMENSION_BITS: dict[str, int] = {dim: 1 << i for i, dim in enumerate(DIMENSIONS)}
# Sheets of an import that change who is bound by a standard or what a person holds.
FACT_SHEETS = frozenset({"positions", "people", "credentials", "programmes", "standards"})
RULE_MODELS = frozenset({"standards.standard", "standards.requirement", "catalogue.programme", "org.position"})
COMPLETED = "COMPLETED"


def gaps_bits(missing: Iterable[tuple[str, str, str, str, str | None]]) -> int:
    """The bits of the dimensions of a person's unmet groups (0: meets every standard)."""
    bits = 0
    for _standard, _group, dim, _required, _current in missing:
        bits |= DIMENSION_BITS[dim]
    return bits


def dimensions_of(bits: int) -> list[str]:
    return [dim for dim, bit in DIMENSION_BITS.items() if bits & bit]


def _lock(mode: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TABLE} IN {mode} MODE")


def _outcomes(day: dt.date, person_ids: list[int] | None = None) -> Iterator[tuple[dt.date, int, int | None, int]]:
    """(day, person, unit, gap bits) of everyone employed on `day` (or of those of `person_ids`)."""
    from cadretrain.people.models import Person

    rules = rules_in_force(day)
    people = Person.objects.employed_on(day)
    if person_ids is not None:
        people = people.filter(pk__in=person_ids)
    aq = applicability_q(rules)
    free = people.exclude(aq) if aq is not None else people
    # People no rule can bind meet the standards.
    for pid, unit_id in free.order_by().values_list("pk", "unit_id"):
        yield day, pid, unit_id, 0
    if aq is not None:
        for pid, _code, unit_id, missing in unmet_by_person(people.filter(aq), day, rules,
                                                             few=person_ids is not None):
            yield day, pid, unit_id, gaps_bits(missing)


def ensure_day(day: dt.date, *, max_age: dt.timedelta = MAX_AGE) -> bool:
    """Make `day`'s rows exist and be current: computed in full if not kept, or kept for longer
    than `max_age` (`cadretrain warm_reports` passes less than MAX_AGE, so that a request never
    meets an expired day). Returns whether it computed them."""
    now = timezone.now()
    row = ComplianceDay.objects.filter(day=day).values_list("computed_at", "used_at").first()
    if row is not None and row[0] >= now - max_age:
        if row[1] < now - TOUCH_EVERY:
            ComplianceDay.objects.filter(day=day).update(used_at=now)
        return False
    with transaction.atomic():
        _lock("SHARE ROW EXCLUSIVE")
        # Another process may have computed it while this one waited for the lock.
        if ComplianceDay.objects.filter(day=day, computed_at__gte=now - max_age).exists():
            return False
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE day = %s", [day])  # noqa: S608
        # Materialised first: the evaluation queries the same connection COPY would hold.
        bulk_insert(TABLE, COLUMNS, list(_outcomes(day)))
        ComplianceDay.objects.update_or_create(day=day, defaults={"computed_at": now, "used_at": now})
        stale = list(ComplianceDay.objects.order_by("-used_at", "-day").values_list("day", flat=True)[MAX_DAYS:])
        if stale:
            PersonCompliance.objects.filter(day__in=stale).delete()
            ComplianceDay.objects.filter(day__in=stale).delete()
    return True


def refresh_people(person_ids: Iterable[int]) -> None:
    """Recompute these people's rows on every kept day (a person gone or no longer employed on a
    day loses that day's row). Runs in the caller's transaction."""
    ids = sorted({int(i) for i in person_ids if i is not None})
    if not ids:
        return
    # In the caller's transaction (no savepoint on a writer's path); the lock lasts until its end.
    with transaction.atomic(savepoint=False):
        _lock("ROW EXCLUSIVE")
        days = list(ComplianceDay.objects.values_list("day", flat=True))
        if not days:
            return
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            PersonCompliance.objects.filter(day__in=days, person_id__in=chunk).delete()
            for day in days:
                bulk_insert(TABLE, COLUMNS, list(_outcomes(day, chunk)))


def forget_days() -> None:
    """Drop every kept day: the rules or the facts changed beyond what a refresh by person covers."""
    # In the caller's transaction (no savepoint on a writer's path); the lock lasts until its end.
    with transaction.atomic(savepoint=False):
        _lock("ROW EXCLUSIVE")
        if ComplianceDay.objects.exists():
            PersonCompliance.objects.all().delete()
            ComplianceDay.objects.all().delete()


# --- reading ------------------------------------------------------------------------------------


def compliance_rollup(*, actor: Actor, as_of: dt.date, unit_code: str | None = None) -> WorkforceResult:
    """How many of the people the actor may see (in `unit_code`'s subtree, if given) meet their
    standards on `as_of`, per unit and subtree: `evaluate_workforce`'s figures without the gap
    items, read from the kept day. Raises NotFound for an invisible unit. Roles whose people are
    not a unit subtree (institution staff, learners) are evaluated from the raw rows."""
    if not (actor.is_city_wide or (actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path)):
        return evaluate_workforce(actor=actor, as_of=as_of, unit_code=unit_code)
    units, root_path = scoped_units(actor, unit_code)
    root_path = root_path or (None if actor.is_city_wide else actor.unit_path)
    ensure_day(as_of)
    rows = PersonCompliance.objects.filter(day=as_of)
    if root_path:
        rows = rows.filter(unit__path__startswith=root_path)
    people: dict[int, int] = defaultdict(int)
    meeting: dict[int, int] = defaultdict(int)
    dims: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total = meeting_total = 0
    for unit_id, bits, n in rows.order_by().values_list("unit_id", "gaps").annotate(n=Count("*")):
        people[unit_id] += n
        total += n
        if not bits:
            meeting[unit_id] += n
            meeting_total += n
            continue
        for dim in dimensions_of(bits):
            dims[unit_id][dim] += n
    return WorkforceResult(as_of=as_of, people=total, meeting_standards=meeting_total, gaps=[],
                           by_unit=_roll_up(units, people, meeting, dims), root_code=unit_code)


# --- signal receivers ---------------------------------------------------------------------------


def _on_person_changed(sender: object, instance: object, **_: object) -> None:
    refresh_people([instance.pk])  # type: ignore[attr-defined]


def _on_credential_changed(sender: object, instance: object, **_: object) -> None:
    refresh_people([instance.person_id])  # type: ignore[attr-defined]


def _on_enrolments_changed(sender: object, *, person_ids: Iterable[int] = (),
                           changes: Collection[tuple[int, int, str | None, str | None]] | None = None,
                           facts: bool = True, **_: object) -> None:
    """Only completions count in the standards: with the list of changes, the people with a
    completion among them (and anyone named without a change); without it, everyone named,
    unless the sender says no completion moved (a nomination, an approval)."""
    if changes is None:
        if facts:
            refresh_people(person_ids)
        return
    changed = {person for person, _class, _old, _new in changes}
    completions = {person for person, _class, old, new in changes if COMPLETED in (old, new)}
    refresh_people(completions | (set(person_ids) - changed))


def _completed_learners(class_id: int) -> list[int]:
    from cadretrain.training.models import Enrolment

    return list(Enrolment.objects.filter(training_class_id=class_id, status=COMPLETED)
                .values_list("person_id", flat=True))


def _on_class_saved(sender: object, instance: object, created: bool = False,
                    update_fields: Iterable[str] | None = None, **_: object) -> None:
    # What a completion grants comes from the class's programme.
    if not created and (update_fields is None or {"programme", "programme_id"} & set(update_fields)):
        refresh_people(_completed_learners(instance.pk))  # type: ignore[attr-defined]


def _on_class_deleting(sender: object, instance: object, **_: object) -> None:
    instance._compliance_people = _completed_learners(instance.pk)  # type: ignore[attr-defined]


def _on_class_deleted(sender: object, instance: object, **_: object) -> None:
    refresh_people(getattr(instance, "_compliance_people", []))


def _on_rules_changed(sender: object, **_: object) -> None:
    forget_days()


def _on_audit(sender: object, instance: object, created: bool = False, **_: object) -> None:
    """Writers that change rules or many people in bulk (services' bulk writes, imports) are
    seen through their audit event."""
    model, action = instance.model, instance.action  # type: ignore[attr-defined]
    if model in RULE_MODELS:
        forget_days()
    elif model == "people.person" and action.startswith("credential_"):
        # A person's credential events also record moves made with update() (a revoked
        # certificate's level rebased on another completion), which send no save signal; the
        # person's own edits are refreshed by their post_save already.
        refresh_people([int(instance.object_pk)])  # type: ignore[attr-defined]
    elif action == "import":
        changes = instance.changes or {}  # type: ignore[attr-defined]
        counts = [changes.get("created") or {}, changes.get("updated") or {}]
        if changes.get("granted_credentials") or any(c.get(sheet) for c in counts for sheet in FACT_SHEETS):
            forget_days()
        elif (changes.get("updated") or {}).get("classes"):
            forget_days()  # a class may have moved to another programme


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_delete

    from cadretrain.catalogue.models import Programme
    from cadretrain.core.models import AuditEvent
    from cadretrain.org.models import Position
    from cadretrain.people.models import Credential, Person
    from cadretrain.standards.models import Requirement, Standard
    from cadretrain.training.models import TrainingClass
    from cadretrain.training.signals import enrolments_changed, enrolments_rebuilt

    post_save.connect(_on_person_changed, sender=Person, dispatch_uid="compliance_person")
    post_delete.connect(_on_person_changed, sender=Person, dispatch_uid="compliance_person_del")
    post_save.connect(_on_credential_changed, sender=Credential, dispatch_uid="compliance_cred")
    post_delete.connect(_on_credential_changed, sender=Credential, dispatch_uid="compliance_cred_del")
    enrolments_changed.connect(_on_enrolments_changed, dispatch_uid="compliance_enrolments")
    enrolments_rebuilt.connect(_on_rules_changed, dispatch_uid="compliance_rebuilt")
    post_save.connect(_on_class_saved, sender=TrainingClass, dispatch_uid="compliance_class")
    pre_delete.connect(_on_class_deleting, sender=TrainingClass, dispatch_uid="compliance_class_pre_del")
    post_delete.connect(_on_class_deleted, sender=TrainingClass, dispatch_uid="compliance_class_del")
    for model in (Standard, Requirement, Programme, Position):
        post_save.connect(_on_rules_changed, sender=model, dispatch_uid=f"compliance_rules_{model.__name__}")
        post_delete.connect(_on_rules_changed, sender=model, dispatch_uid=f"compliance_rules_del_{model.__name__}")
    post_save.connect(_on_audit, sender=AuditEvent, dispatch_uid="compliance_audit")
