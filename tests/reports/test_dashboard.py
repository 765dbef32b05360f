"""The city dashboard: figures equal raw recomputation within the viewer's scope, ≤ 6 queries
per request (cube + cached people figures), drill-downs list exactly what a number counts,
exports, and refusals."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cadretrain.people.models import Person
from cadretrain.reports import selectors
from cadretrain.training.models import Enrolment, TrainingClass
from tests.reports.builders import (
    enrol,
    make_class,
    open_class_of_ward_b,
    random_dataset,
    series_of,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def raw_figures(*, person_ids, class_ids, years):
    """(year, series) -> (classes, distinct learners, enrolments, completed) from raw rows."""
    out = {}
    classes = [c for c in TrainingClass.objects.select_related("programme")
               if c.start_date.year in years and (class_ids is None or c.pk in class_ids)]
    for c in classes:
        for s in {series_of(c.programme.kind, c.programme.grants_level), "ALL"} | ({"ABROAD"} if c.country != "VN" else set()):
            out.setdefault((c.start_date.year, s), [0, set(), 0, 0])[0] += 1
    for e in Enrolment.objects.select_related("training_class__programme").exclude(status="WITHDRAWN"):
        c = e.training_class
        if c.start_date.year not in years or (person_ids is not None and e.person_id not in person_ids):
            continue
        for s in {series_of(c.programme.kind, c.programme.grants_level), "ALL"} | ({"ABROAD"} if c.country != "VN" else set()):
            cell = out.setdefault((c.start_date.year, s), [0, set(), 0, 0])
            cell[1].add(e.person_id)
            cell[2] += 1
            cell[3] += e.status == "COMPLETED"
    return {k: (v[0], len(v[1]), v[2], v[3]) for k, v in out.items()}


def board_figures(board):
    return {k: (c.classes, c.learners, c.enrolments, c.completed) for k, c in board.cells.items()
            if c.classes or c.learners or c.enrolments}


@pytest.fixture
def data(world):
    return random_dataset(world, random.Random(21), extra_people=12, classes=16, years=(YEAR - 3, YEAR))


def test_city_dashboard_equals_the_raw_rows(world, data):
    actor = world.actor("admin")
    board = selectors.dashboard(actor=actor, scope=selectors.report_scope(actor=actor), year_from=YEAR - 3, year_to=YEAR)
    assert board_figures(board) == raw_figures(person_ids=None, class_ids=None, years=range(YEAR - 3, YEAR + 1))


def test_officer_dashboard_counts_only_their_people_and_classes(world, data):
    open_elsewhere = open_class_of_ward_b(world, data.programmes["CNKT-3"], dt.date(YEAR, 2, 1), "OPEN-B")
    actor = world.actor("officer_a")
    assert TrainingClass.objects.visible_to(actor).filter(pk=open_elsewhere.pk).exists()  # may nominate to it
    board = selectors.dashboard(actor=actor, scope=selectors.report_scope(actor=actor), year_from=YEAR - 3, year_to=YEAR)
    people = set(Person.objects.filter(unit__path__startswith=world.ward_a.path).values_list("pk", flat=True))
    # Ward A's classes: organised in the ward or attended by its people (not the open one of ward B).
    classes = set(TrainingClass.objects.filter(organizer_unit__path__startswith=world.ward_a.path)
                  .values_list("pk", flat=True)) | set(
        Enrolment.objects.filter(person__in=people).values_list("training_class_id", flat=True))
    assert open_elsewhere.pk not in classes
    assert board_figures(board) == raw_figures(person_ids=people, class_ids=classes, years=range(YEAR - 3, YEAR + 1))


def test_admin_unit_filter_equals_that_officer_view(world, data):
    admin = world.actor("admin")
    officer = world.actor("officer_a")
    filtered = selectors.dashboard(actor=admin, scope=selectors.report_scope(actor=admin, unit_code="00004"),
                                   year_from=YEAR - 3, year_to=YEAR)
    own = selectors.dashboard(actor=officer, scope=selectors.report_scope(actor=officer), year_from=YEAR - 3, year_to=YEAR)
    assert board_figures(filtered) == board_figures(own)


def test_people_figures_count_standing_committee_cadres_in_the_term(world, data):
    a3 = world.people["a3"]  # BTV_THANH_UY in ward A
    prog = data.programmes["CNKT-3"]
    tc = make_class("KU-T", prog, world.city, dt.date(2026, 1, 10))
    enrol(tc, a3, "COMPLETED")
    abroad = make_class("AB-T", data.programmes["QLNN-CV"], world.city, dt.date(2026, 2, 10), country="SG")
    enrol(abroad, a3, "ENROLLED")
    actor = world.actor("officer_a")
    board = selectors.dashboard(actor=actor, scope=selectors.report_scope(actor=actor), year_from=2026, year_to=2026)
    btv = [p for p in Person.objects.filter(unit__path__startswith=world.ward_a.path, management_tier="BTV_THANH_UY")
           if p.left_on is None or p.left_on > timezone.localdate()]
    assert board.people["btv"]["people"] == len(btv)
    assert board.people["btv"]["updated"] >= 1 and board.people["btv"]["abroad"] >= 1


@pytest.mark.parametrize("persona", ["admin", "officer_a", "viewer_a"])
def test_dashboard_page_takes_at_most_six_queries(world, data, client_for, persona, django_assert_max_num_queries):
    client = client_for(persona)
    requests = [("/reports/", {"year_from": YEAR - 3, "year_to": YEAR}),
                ("/reports/", {"year_from": YEAR - 3, "year_to": YEAR, "unit": "00004", "series": "KNOWLEDGE_UPDATE"}),
                ("/", {})]
    for url, params in requests:
        assert client.get(url, params).status_code == 200  # warms the people-figures cache of that scope
    for url, params in requests:
        with django_assert_max_num_queries(6):
            res = client.get(url, params)
        assert res.status_code == 200
        assert b"js-plotly" in res.content


@pytest.mark.django_db(transaction=True)
def test_the_cache_is_emptied_when_an_enrolment_change_commits(world, data, client_for):
    from django.db import transaction

    from cadretrain.reports.models import DashboardCache

    client_for("admin").get("/reports/")
    assert DashboardCache.objects.exists()
    with transaction.atomic():
        enrol(data.classes[0], Person.objects.exclude(enrolments__training_class=data.classes[0]).first(), "ENROLLED")
        enrol(data.classes[1], Person.objects.exclude(enrolments__training_class=data.classes[1]).first(), "ENROLLED")
        assert DashboardCache.objects.exists()  # not before the commit (no lock held meanwhile)
    assert not DashboardCache.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_cache_is_emptied_when_a_new_person_is_added(world, data, client_for):
    """A new person has no enrolments, but counts in the compliance and tier figures at once."""
    from cadretrain.reports.models import DashboardCache
    from tests.world import _person

    client_for("admin").get("/reports/")
    assert DashboardCache.objects.exists()
    _person("P-NEW", "Lê Văn Mới", world.ward_a, world.position)
    assert not DashboardCache.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_dashboard_figures_are_reused_until_a_change_commits(world, data, api_for, django_assert_max_num_queries):
    """Outside a transaction the API serves the figures computed for the same viewer and filters
    (one query: the data version); an enrolment committed by anyone shows on the next request."""
    from django.db import transaction

    client = api_for("admin")
    client.get("/api/v1/reports/dashboard")  # computes and keeps the figures
    with django_assert_max_num_queries(3):  # token, data version; the cube is not read
        first = client.get("/api/v1/reports/dashboard").json()
    cls = data.classes[0]
    with transaction.atomic():
        enrol(cls, Person.objects.exclude(enrolments__training_class=cls).first(), "COMPLETED")
    after = client.get("/api/v1/reports/dashboard").json()

    def completed(doc):
        return sum(c["completed"] for c in doc["cells"] if c["series"] == "ALL")

    assert completed(after) == completed(first) + (1 if YEAR - 4 <= cls.start_date.year <= YEAR else 0)
    actor = world.actor("admin")
    board = selectors.dashboard(actor=actor, scope=selectors.report_scope(actor=actor),
                                year_from=after["year_from"], year_to=after["year_to"])
    assert {(c["year"], c["series"]): c["completed"] for c in after["cells"]} == {
        k: v.completed for k, v in board.cells.items()}


def test_officer_cannot_look_at_another_ward(world, data, client_for):
    assert client_for("officer_a").get("/reports/", {"unit": "00008"}).status_code == 404
    assert client_for("officer_a").get("/reports/classes/", {"unit": "00008"}).status_code == 404


def test_learner_and_school_get_no_dashboard(world, client_for):
    assert client_for("learner").get("/reports/").status_code == 403
    assert client_for("school").get("/reports/form10/").status_code == 403
    res = client_for("learner").get("/")
    assert res.status_code == 200 and b"js-plotly" not in res.content


def test_bad_filters_are_refused_with_a_message(world, client_for):
    res = client_for("admin").get("/reports/", {"year_from": "abc"})
    assert res.status_code == 400 and "Năm báo cáo không hợp lệ" in res.content.decode()
    assert client_for("admin").get("/reports/learners/", {"series": "NOPE"}).status_code == 400
    assert client_for("admin").get("/reports/", {"format": "docx"}).status_code == 400


def test_drill_down_lists_exactly_the_counted_classes_and_learners(world, data, client_for):
    actor = world.actor("officer_a")
    scope = selectors.report_scope(actor=actor)
    board = selectors.dashboard(actor=actor, scope=scope, year_from=YEAR - 3, year_to=YEAR)
    for (year, series), cell in board.cells.items():
        assert selectors.drill_classes(actor=actor, scope=scope, year_from=year, year_to=year,
                                       series=None if series == "ALL" else series).count() == cell.classes
        enrolments = selectors.drill_enrolments(actor=actor, scope=scope, year_from=year, year_to=year,
                                                series=None if series == "ALL" else series)
        assert enrolments.count() == cell.enrolments
        assert len({e.person_id for e in enrolments}) == cell.learners
    res = client_for("officer_a").get("/reports/learners/", {"year_from": YEAR - 3, "year_to": YEAR})
    assert res.status_code == 200
    codes_shown = {p.code for p in Person.objects.filter(unit__path__startswith=world.ward_b.path)}
    assert not any(code.encode() in res.content for code in codes_shown)


@pytest.mark.parametrize("persona", ["admin", "officer_a"])
def test_learner_pages_hold_exactly_the_drill_down_rows_in_its_order(world, data, persona):
    """The paged learners (count from the cube, pages walked class by class, small chunks so that
    pages span several) are the rows of `drill_enrolments`, for every status and series filter."""
    actor = world.actor(persona)
    scope = selectors.report_scope(actor=actor)

    def key(e):  # the list's order; learners of one class with the same name may come either way
        return (-e.training_class.start_date.toordinal(), e.training_class.code, e.person.search_key)

    filters = [(None, None), (None, "COMPLETED"), (None, "WITHDRAWN"), ("KNOWLEDGE_UPDATE", None), ("ABROAD", None),
               ("LLCT_TRUNG_CAP", "ENROLLED")]
    checked = {}
    for series, status in filters:
        raw = list(selectors.drill_enrolments(actor=actor, scope=scope, year_from=YEAR - 3, year_to=YEAR,
                                              series=series, status=status))
        pages = selectors.DrillEnrolmentPages(actor=actor, scope=scope, year_from=YEAR - 3, year_to=YEAR,
                                              series=series, status=status)
        pages.FIRST_CHUNK = 1
        assert pages.count() == len(raw), (series, status)
        walked = [e for start in range(0, len(raw) + 7, 7) for e in pages[start:start + 7]]
        assert sorted(e.pk for e in walked) == sorted(e.pk for e in raw), (series, status)
        assert [key(e) for e in walked] == [key(e) for e in raw], (series, status)
        checked[(series, status)] = len(raw)
    assert checked[(None, None)] > 14 and checked[(None, "COMPLETED")] > 0 and checked[("ABROAD", None)] > 0, checked


def test_drill_pages_take_a_bounded_number_of_queries(world, data, client_for, django_assert_max_num_queries):
    client = client_for("admin")
    for url in ("/reports/classes/", "/reports/learners/", "/reports/standing-committee/"):
        with django_assert_max_num_queries(8):
            assert client.get(url, {"year_from": YEAR - 3, "year_to": YEAR}).status_code == 200


def test_exports_of_dashboard_lists_summary_and_form(world, data, client_for):
    client = client_for("viewer_a")
    res = client.get("/reports/", {"format": "xlsx", "year_from": YEAR - 3, "year_to": YEAR})
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(res.content)).active
    assert ws.cell(row=4, column=1).value == "Tất cả"
    res = client.get("/reports/", {"format": "csv"})
    assert res.content.startswith("\ufeff".encode()) and "Loại hình".encode() in res.content
    assert client.get("/reports/", {"format": "pdf"}).content.startswith(b"%PDF")
    for url in ("/reports/classes/", "/reports/learners/", "/reports/standing-committee/"):
        assert client.get(url, {"format": "csv"}).status_code == 200
        assert client.get(url, {"format": "xlsx"}).status_code == 200
    assert client.get("/reports/summary/", {"from": "2023-01-01", "to": f"{YEAR}-12-31", "format": "xlsx"}).status_code == 200
    assert client.get("/reports/form10/", {"year": "2024", "format": "pdf"}).content.startswith(b"%PDF")
    assert client.get("/reports/form10/", {"year": "2024"}).status_code == 200


def test_summary_page_shows_an_error_for_a_reversed_period(world, client_for):
    res = client_for("admin").get("/reports/summary/", {"from": "2025-01-01", "to": "2024-01-01"})
    assert res.status_code == 400
    assert "Kỳ báo cáo không hợp lệ" in res.content.decode()


def test_dashboard_api_is_scoped_and_bounded(world, data, api_for, django_assert_max_num_queries):
    client = api_for("officer_a")
    assert client.get("/api/v1/reports/dashboard").status_code == 200  # warms the cache
    with django_assert_max_num_queries(6):
        res = client.get("/api/v1/reports/dashboard")
    assert res.status_code == 200
    doc = res.json()
    actor = world.actor("officer_a")
    board = selectors.dashboard(actor=actor, scope=selectors.report_scope(actor=actor),
                                year_from=doc["year_from"], year_to=doc["year_to"])
    assert {(c["year"], c["series"]): (c["classes"], c["learners"], c["enrolments"], c["completed"])
            for c in doc["cells"]} == {k: (v.classes, v.learners, v.enrolments, v.completed)
                                       for k, v in board.cells.items()}
    assert client.get("/api/v1/reports/dashboard", {"unit": "00008"}).status_code == 404
    assert api_for("learner").get("/api/v1/reports/dashboard").status_code == 403
    bad = api_for("admin").get("/api/v1/reports/dashboard", {"series": "NOPE"})
    assert bad.status_code == 400 and bad.json()["code"] == "report_unknown_series"
