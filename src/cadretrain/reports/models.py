"""The reports summary cube: figures per unit × year × programme kept equal to the raw enrolments
(see reports.summaries), so that dashboards read ≤ 10^4 small rows instead of scanning millions.

Units are the learner's *current* unit (the same unit that scopes who may see the person), years
are the calendar year of the class start date (a class belongs to the period of its start date).
A row with `unit` NULL holds the city-wide figures of its year × programme (including classes that
nobody has joined yet), so the city dashboard never sums thousands of unit rows."""

from __future__ import annotations

from django.db import models


class SummaryCell(models.Model):
    """Enrolment figures of one unit's people (or the whole city) for one programme, one year,
    in Viet Nam or abroad. WITHDRAWN enrolments are counted only in `withdrawn`."""

    # Derived rows without database constraints (the ORM still cascades): the rebuild writes
    # ~10^6 of them and PostgreSQL would check each reference at commit.
    unit = models.ForeignKey("org.OrgUnit", null=True, on_delete=models.CASCADE, db_constraint=False,
                             related_name="+")
    year = models.PositiveSmallIntegerField()
    programme = models.ForeignKey("catalogue.Programme", on_delete=models.CASCADE, db_constraint=False,
                                  related_name="+")
    abroad = models.BooleanField(default=False)
    # Distinct classes with a counted enrolment of the unit's people (all classes on city rows):
    # summable over years and programmes, NOT over units (a class mixes learners of many units).
    classes = models.PositiveIntegerField(default=0)
    # Distinct learners: summable over units (a person has one current unit), not over
    # programmes or years — the dashboard reads LearnerCell for distinct learners per kind.
    learners = models.PositiveIntegerField(default=0)
    enrolments = models.PositiveIntegerField(default=0)  # NOMINATED + ENROLLED + COMPLETED + FAILED
    nominated = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    periods = models.PositiveIntegerField(default=0)  # periods (tiết) of COMPLETED enrolments

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "programme", "abroad"], name="summarycell_key"),
            # NULLs are distinct in the key above: city rows get their own (the refresh upserts them).
            models.UniqueConstraint(fields=["year", "programme", "abroad"], condition=models.Q(unit__isnull=True),
                                    name="summarycell_city_key"),
        ]
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.programme_id}/{'abroad' if self.abroad else 'VN'}"


class LearnerCell(models.Model):
    """Distinct learners (non-withdrawn) of one unit's people (or the whole city) in one year and
    one dashboard series (a programme kind, political theory split by level, ABROAD, ALL) or
    one summary row ("K:<kind>:<grants_level>", the rows of `report summary`).
    Summable over units because every person belongs to exactly one current unit."""

    unit = models.ForeignKey("org.OrgUnit", null=True, on_delete=models.CASCADE, db_constraint=False,
                             related_name="+")
    year = models.PositiveSmallIntegerField()
    series = models.CharField(max_length=64)
    learners = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "series"], name="learnercell_key"),
            models.UniqueConstraint(fields=["year", "series"], condition=models.Q(unit__isnull=True),
                                    name="learnercell_city_key"),
        ]
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.series}: {self.learners}"


class CubePerson(models.Model):
    """The unit under which a person's enrolments are filed in the cube: after a transfer the
    refresh reads the old unit here, so the old unit's rows are recomputed too."""

    person = models.OneToOneField("people.Person", primary_key=True, on_delete=models.CASCADE,
                                  db_constraint=False, related_name="+")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, db_constraint=False, related_name="+")

    def __str__(self) -> str:
        return f"{self.person_id}@{self.unit_id}"


class CubeClass(models.Model):
    """The city cell (year, programme, abroad) under which a class is counted in the cube: when a
    class moves to another year the refresh recomputes the old year too, and the city rows' class
    counts move by one from the filed cell to the current one."""

    training_class = models.OneToOneField("training.TrainingClass", primary_key=True, on_delete=models.CASCADE,
                                          db_constraint=False, related_name="+")
    year = models.PositiveSmallIntegerField()
    # No constraint or index: a filing, read by class only (NULL on rows filed before it existed).
    programme = models.ForeignKey("catalogue.Programme", null=True, on_delete=models.DO_NOTHING,
                                  db_constraint=False, db_index=False, related_name="+")
    abroad = models.BooleanField(null=True)

    def __str__(self) -> str:
        return f"{self.training_class_id}:{self.year}"


class PersonCell(models.Model):
    """One person's enrolments in one year × programme × Viet Nam/abroad, by status: what the
    person contributes to their unit's SummaryCell. A single enrolment's refresh compares these
    rows before and after the change and moves the unit and city rows by the difference, without
    re-reading the unit's other people. No foreign-key constraints (written in bulk by the rebuild)."""

    pk = models.CompositePrimaryKey("person", "year", "programme", "abroad")
    person = models.ForeignKey("people.Person", on_delete=models.DO_NOTHING, db_constraint=False,
                               db_index=False, related_name="+")
    year = models.PositiveSmallIntegerField()
    programme = models.ForeignKey("catalogue.Programme", on_delete=models.DO_NOTHING, db_constraint=False,
                                  db_index=False, related_name="+")
    abroad = models.BooleanField()
    enrolments = models.PositiveIntegerField(default=0)  # not WITHDRAWN
    nominated = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    periods = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.person_id}/{self.year}/{self.programme_id}/{'abroad' if self.abroad else 'VN'}"


class DashboardCache(models.Model):
    """Figures about people (compliance with standards, Standing-Committee cadres updated and
    trained abroad) computed once per scope and day; emptied whenever enrolments, credentials
    or people change, and dropped after a short time anyway (standards may change)."""

    key = models.CharField(max_length=250, primary_key=True)
    value = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class UnitClass(models.Model):
    """A class attended by at least one person of a unit (any enrolment status, the person's
    current unit), filed under the class's year: the "attended by the subtree's people" half of
    a unit subtree's classes is read here (a few rows per unit and year) instead of from every
    enrolment of the subtree's people (10^5 rows for a large district at L). Kept equal to the
    raw enrolments by reports.unit_classes. No foreign-key constraints (written in bulk)."""

    pk = models.CompositePrimaryKey("unit", "year", "training_class")
    unit = models.ForeignKey("org.OrgUnit", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    year = models.PositiveSmallIntegerField()
    # Indexed: a class's rows are recomputed when its enrolments, date or learners' units change.
    training_class = models.ForeignKey("training.TrainingClass", on_delete=models.DO_NOTHING, db_constraint=False,
                                       related_name="+")

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.training_class_id}"


class Form10Person(models.Model):
    """One learner's cells of form 10-BTCTW in one year: the sorted "leaf:column" tokens of the
    (leaf row, learner column) pairs their non-withdrawn enrolments in the year's classes count
    in ("L" after the column: they then led; empty: only classes without a row on the form), and
    the management tier they were computed with. Kept equal to the raw rows by
    reports.form10_cells; the form groups a year's rows by `cells`. No foreign-key constraints
    (written in bulk by the rebuild)."""

    pk = models.CompositePrimaryKey("person", "year")
    person = models.ForeignKey("people.Person", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               related_name="+")
    year = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=16, blank=True)
    cells = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["year", "cells"], name="form10person_year_cells")]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.year}: {self.cells}"


class Form10Basis(models.Model):
    """What Form10Person rows were computed with: each unit's level ("u:<id>"), whether each
    position leads ("p:<id>"), each programme's kind, level and folded name ("g:<id>"). Compared
    with the tables after changes to them, to recompute the learners concerned."""

    item = models.CharField(max_length=40, primary_key=True)
    value = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.item}={self.value}"


class Form10Class(models.Model):
    """What the Form10Person rows of a class's learners were computed with: the class's start
    date, programme, mode, country and whether it has a partner. When a change names a class
    whose fields no longer match (the importer updates classes with UPDATE), all its learners
    are recomputed, not only the people named."""

    training_class = models.OneToOneField("training.TrainingClass", primary_key=True, on_delete=models.DO_NOTHING,
                                          db_constraint=False, related_name="+")
    filed = models.CharField(max_length=80)

    def __str__(self) -> str:
        return f"{self.training_class_id}: {self.filed}"


class LearnerDay(models.Model):
    """One learner's non-withdrawn enrolments in the classes that start on one day and count in
    one series: a `report summary` row ("K:<kind>:<grants_level>"), ABROAD (classes outside Viet
    Nam) or KU_DONE (completed knowledge updates), with `previous`, the last earlier day of the
    same person and series. The learners of any period [a, b] are then the rows of the period
    whose `previous` is before a (each person's first day in it): a count, not a DISTINCT over
    the period's enrolments. Kept equal to the raw rows by reports.learner_days. No foreign-key
    constraints (written in bulk by the rebuild)."""

    pk = models.CompositePrimaryKey("person", "day", "series")
    person = models.ForeignKey("people.Person", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               related_name="+")
    day = models.DateField()
    series = models.CharField(max_length=80)
    previous = models.DateField(null=True)
    enrolments = models.PositiveIntegerField()
    completed = models.PositiveIntegerField()

    class Meta:
        # Covers the city-wide read of a period, series by series (each a range of days): no
        # sort for the GROUP BY, and the tier figures read only two series' rows (with the
        # person, to join the few people in a tier).
        indexes = [models.Index(fields=["series", "day", "previous", "enrolments", "completed", "person"],
                                name="learnerday_period_person")]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.day}/{self.series}"


class LearnerMonth(models.Model):
    """The city's LearnerDay rows summed per series, month of the day and month of the previous
    day (yyyymm; 0: none): a period that starts on the first of a month reads its whole months
    here — its learners are the rows whose previous month is before the period's first — and
    only the days of a last, partial month from LearnerDay. Moved by the difference whenever
    people's days are recomputed (rows that fall to zero are left: they add nothing)."""

    pk = models.CompositePrimaryKey("series", "month", "previous_month")
    series = models.CharField(max_length=80)
    month = models.PositiveIntegerField()
    previous_month = models.PositiveIntegerField()
    days = models.IntegerField()
    enrolments = models.IntegerField()
    completed = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.series}/{self.month}/{self.previous_month}: {self.days}"
