"""The overlap page reads a stored scan computed in the background: its time, staleness when
plan items or classes change, one scan at a time per scope, and merges that act on the members
the user saw (re-verified at merge time, refused clearly when they changed)."""

from __future__ import annotations

import pytest

from cadretrain.core.models import JobRun
from cadretrain.plans import selectors, services
from cadretrain.plans.models import OverlapScan, PlanItem, PlanItemClass, SeatAllocation
from cadretrain.training.models import TrainingClass
from tests.plans.test_interfaces import SYSTEM_ACTOR, _two_wards_same_course


def _merge_form(key, **extra):
    return {"year": 2026, "members": key, "code": "CDS-CHUNG", "start_date": "2026-05-04",
            "end_date": "2026-05-08", "programme": "CDS-01", **extra}


def test_overlap_page_starts_empty_then_shows_the_stored_scan_with_its_time(world, client_for):
    _two_wards_same_course(world)
    admin = client_for("admin")
    page = admin.get("/plans/overlaps/?year=2026").content.decode()
    assert "Chưa phân tích trùng lặp cho năm 2026" in page
    assert not OverlapScan.objects.exists()  # reading the page computes nothing
    response = admin.post("/plans/overlaps/scan/", {"year": 2026})
    assert response.status_code == 302
    scan = OverlapScan.objects.get()
    assert not scan.running and scan.finished_at is not None and len(scan.clusters) == 1
    assert scan.job.status == JobRun.Status.DONE and scan.job.done == scan.job.total == 100
    page = admin.get("/plans/overlaps/?year=2026").content.decode()
    assert "Kết quả phân tích lúc" in page and "Mới nhất" in page and "Phường Ba Đình" in page


def test_changing_a_plan_item_or_a_class_marks_the_stored_scan_stale(world, client_for):
    _two_wards_same_course(world)
    admin = client_for("admin")
    admin.post("/plans/overlaps/scan/", {"year": 2026})
    item = PlanItem.objects.filter(plan__unit=world.ward_b).get()
    services.plan_item_update(actor=world.actor("officer_b"), item=item, people=7)
    page = admin.get("/plans/overlaps/?year=2026").content.decode()
    assert "Đã cũ" in page
    admin.post("/plans/overlaps/scan/", {"year": 2026})
    assert "Mới nhất" in admin.get("/plans/overlaps/?year=2026").content.decode()
    from tests.training.helpers import open_class

    open_class("NEW-26", world.city, capacity=5)
    tc = TrainingClass.objects.get(code="NEW-26")
    tc.start_date = tc.start_date.replace(year=2026)
    tc.end_date = tc.end_date.replace(year=2026)
    tc.save()
    assert "Đã cũ" in admin.get("/plans/overlaps/?year=2026").content.decode()


def test_a_second_scan_while_one_runs_is_refused_and_nothing_is_queued(world):
    admin = world.actor("admin")
    OverlapScan.objects.create(year=2026, scope_path="", requested_by="admin", running=True)
    with pytest.raises(Exception) as caught:
        services.overlap_scan_start(actor=admin, year=2026)
    assert getattr(caught.value, "code", "") == "overlap_scan_running"
    assert OverlapScan.objects.count() == 1
    # The same year in a ward's scope is another scan and may run.
    scan = services.overlap_scan_start(actor=world.actor("officer_a"), year=2026)
    assert scan.scope_path == world.ward_a.path


def test_a_ward_reads_only_the_scan_of_its_own_scope(world, client_for, api_for):
    _two_wards_same_course(world)
    client_for("admin").post("/plans/overlaps/scan/", {"year": 2026})
    page = client_for("officer_a").get("/plans/overlaps/?year=2026").content.decode()
    assert "Chưa phân tích trùng lặp" in page and "chuyen doi so cho can bo" not in page
    doc = api_for("officer_a").get("/api/v1/overlaps?year=2026").json()
    assert doc["count"] == 0
    assert OverlapScan.objects.filter(scope_path=world.ward_a.path).exists()


def test_merge_still_works_after_unrelated_data_changed(world, client_for):
    _two_wards_same_course(world)
    admin = client_for("admin")
    admin.post("/plans/overlaps/scan/", {"year": 2026})
    key = selectors.scan_clusters(OverlapScan.objects.get())[0].key
    # Another ward adds an unrelated item after the scan: the cluster the admin saw is unchanged.
    plan = services.plan_create(actor=SYSTEM_ACTOR, unit=world.office_a, year=2026)
    services.plan_item_add(actor=SYSTEM_ACTOR, plan=plan, need="Kỹ năng soạn thảo văn bản", people=2, quarter=3)
    response = admin.post("/plans/overlaps/merge/", _merge_form(key, seats_00008="5", open="1"))
    assert response.status_code == 302
    tc = TrainingClass.objects.get(code="CDS-CHUNG")
    assert tc.capacity == 9 and tc.status == "OPEN"
    assert dict(SeatAllocation.objects.filter(training_class=tc).values_list("unit__code", "seats")) == {
        "00004": 4, "00008": 5}
    # Each ward's plan says which class realises its item now.
    ward_plan = PlanItem.objects.get(plan__unit=world.ward_b).plan
    assert "/training/classes/CDS-CHUNG/" in client_for("officer_b").get(f"/plans/{ward_plan.pk}/").content.decode()
    # The merged items are realised by the class now: they no longer form a cluster of their own.
    assert "Đã cũ" in admin.get("/plans/overlaps/?year=2026").content.decode()
    admin.post("/plans/overlaps/scan/", {"year": 2026})
    clusters = selectors.scan_clusters(OverlapScan.objects.first())
    assert all("item" not in c.key for c in clusters)


@pytest.mark.parametrize("change, code", [
    ("delete", "overlap_member_gone"),
    ("edit", "overlap_no_longer_similar"),
    ("merged", "overlap_already_merged"),
])
def test_merge_refuses_a_cluster_whose_members_changed_and_changes_nothing(world, client_for, change, code):
    _two_wards_same_course(world)
    key = selectors.overlap_clusters(actor=world.actor("admin"), year=2026)[0].key
    item = PlanItem.objects.filter(plan__unit=world.ward_b).get()
    if change == "delete":
        services.plan_item_delete(actor=world.actor("officer_b"), item=item)
    elif change == "edit":
        services.plan_item_update(actor=world.actor("officer_b"), item=item, need="Tiếng Anh giao tiếp cơ bản")
    else:
        from tests.training.helpers import open_class

        PlanItemClass.objects.create(plan_item=item, training_class=open_class("B-OWN", world.ward_b, capacity=6))
    classes = TrainingClass.objects.count()
    with pytest.raises(Exception) as caught:
        services.overlap_merge(actor=world.actor("admin"), year=2026, members=key, code="CDS-CHUNG",
                               start_date="2026-05-04", end_date="2026-05-08")
    assert getattr(caught.value, "code", "") == code
    assert TrainingClass.objects.count() == classes and not SeatAllocation.objects.exists()
    page = client_for("admin").post("/plans/overlaps/merge/", _merge_form(key), follow=True).content.decode()
    assert "hãy phân tích lại rồi gộp" in page


@pytest.mark.parametrize("members", ["", "item:1", "row:3,item:4", "item:x,item:2"])
def test_merge_with_a_malformed_member_list_is_refused(world, members):
    with pytest.raises(Exception) as caught:
        services.overlap_merge(actor=world.actor("admin"), year=2026, members=members, code="X",
                               start_date="2026-05-04", end_date="2026-05-08")
    assert getattr(caught.value, "code", "") == "overlap_members_invalid"


def test_merge_with_negative_seats_is_refused(world):
    prog = _two_wards_same_course(world)
    key = selectors.overlap_clusters(actor=world.actor("admin"), year=2026)[0].key
    with pytest.raises(Exception) as caught:
        services.overlap_merge(actor=world.actor("admin"), year=2026, members=key, code="CDS-CHUNG",
                               start_date="2026-05-04", end_date="2026-05-08", seats={"00008": -1},
                               programme=prog)
    assert getattr(caught.value, "code", "") == "merge_seats_invalid"
    assert not TrainingClass.objects.filter(code="CDS-CHUNG").exists()


def test_overlap_page_query_count_does_not_grow_with_clusters(world, client_for, django_assert_max_num_queries):
    _two_wards_same_course(world)
    admin = client_for("admin")
    admin.post("/plans/overlaps/scan/", {"year": 2026})
    with django_assert_max_num_queries(14):
        assert admin.get("/plans/overlaps/?year=2026").status_code == 200
    status = admin.get("/plans/overlaps/status/?year=2026", headers={"HX-Request": "true"})
    assert status.status_code == 200 and status["HX-Refresh"] == "true"


def test_while_a_scan_runs_the_page_shows_its_progress_and_polls(world, client_for):
    _two_wards_same_course(world)
    job = JobRun.objects.create(kind=services.OVERLAP_JOB, owner=world.users["admin"], status=JobRun.Status.RUNNING,
                                done=40, total=100)
    OverlapScan.objects.create(year=2026, scope_path="", job=job, requested_by="admin", running=True)
    admin = client_for("admin")
    page = admin.get("/plans/overlaps/?year=2026").content.decode()
    assert "Đang phân tích" in page and 'value="40"' in page and 'hx-trigger="every 1s"' in page
    assert "Phân tích lại" not in page  # no second scan offered while one runs
    status = admin.get("/plans/overlaps/status/?year=2026", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in status and 'value="40"' in status.content.decode()


def test_api_merge_acts_on_the_listed_members_and_a_ward_may_not_merge(world, api_for):
    prog = _two_wards_same_course(world)
    doc = api_for("admin").get("/api/v1/overlaps?year=2026").json()
    assert doc["computed_at"] and doc["stale"] is False
    body = {"year": 2026, "members": doc["items"][0]["key"], "code": "CDS-API", "start_date": "2026-05-04",
            "end_date": "2026-05-08", "programme": prog.code, "seats": {"00004": 2}, "open": True}
    refused = api_for("officer_a").post("/api/v1/overlaps/merge", body, content_type="application/json")
    assert refused.status_code in (403, 404) and not TrainingClass.objects.filter(code="CDS-API").exists()
    done = api_for("admin").post("/api/v1/overlaps/merge", body, content_type="application/json")
    assert done.status_code == 201 and done.json() == {"class": "CDS-API", "capacity": 8, "status": "OPEN"}
    again = api_for("admin").post("/api/v1/overlaps/merge", {**body, "code": "CDS-API-2"},
                                  content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "overlap_already_merged"


def test_only_the_last_few_scans_of_a_year_are_kept(world):
    admin = world.actor("admin")
    for _ in range(services.SCANS_KEPT + 2):
        services.overlap_scan_start(actor=admin, year=2026)
    assert OverlapScan.objects.filter(year=2026, scope_path="").count() == services.SCANS_KEPT


def test_a_scan_that_fails_is_reported_and_does_not_block_the_next(world, client_for, monkeypatch):
    _two_wards_same_course(world)

    def broken(members, progress=None):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(selectors, "overlap_clusters_of", broken)
    admin = client_for("admin")
    admin.post("/plans/overlaps/scan/", {"year": 2026})
    scan = OverlapScan.objects.get()
    assert scan.failed and not scan.running and scan.job.status == JobRun.Status.FAILED
    assert "Lần phân tích gần nhất bị lỗi" in admin.get("/plans/overlaps/?year=2026").content.decode()
    monkeypatch.undo()
    admin.post("/plans/overlaps/scan/", {"year": 2026})
    assert "Mới nhất" in admin.get("/plans/overlaps/?year=2026").content.decode()


def test_api_starts_a_scan_and_reports_it_in_the_callers_scope(world, api_for):
    _two_wards_same_course(world)
    assert api_for("admin").get("/api/v1/overlaps/scans/latest?year=2026").status_code == 404
    started = api_for("admin").post("/api/v1/overlaps/scans", {"year": 2026}, content_type="application/json")
    assert started.status_code == 202
    latest = api_for("admin").get("/api/v1/overlaps/scans/latest?year=2026").json()
    assert latest["id"] == started.json()["id"] and latest["clusters"] == 1 and latest["running"] is False
    # A ward has its own scope: the city's scan is not its scan.
    assert api_for("officer_a").get("/api/v1/overlaps/scans/latest?year=2026").status_code == 404
    bad = api_for("admin").post("/api/v1/overlaps/scans", {"year": 1900}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "plan_invalid_year"


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens connections between tasks
def test_with_the_worker_backend_the_scan_request_returns_at_once_and_the_worker_computes_it(
        world, client_for, settings):
    """`make run` and production queue scans for `cadretrain db_worker`: ~10 s at 20,000 items
    must not be spent inside a web request."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _two_wards_same_course(world)
    admin = client_for("admin")
    assert admin.post("/plans/overlaps/scan/", {"year": 2026}).status_code == 302
    scan = OverlapScan.objects.get()
    assert scan.running and scan.job.status == JobRun.Status.QUEUED
    assert "Đang phân tích" in admin.get("/plans/overlaps/?year=2026").content.decode()

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    scan.refresh_from_db()
    assert not scan.running and len(scan.clusters) == 1
    assert "Mới nhất" in admin.get("/plans/overlaps/?year=2026").content.decode()
