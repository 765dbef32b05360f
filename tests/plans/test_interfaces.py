"""Plans through the web pages, the API and the CLI: scoping (404 outside the subtree), the
approval actions, overlaps with the city's merge, and the allocation proposal turned into
nominations (or refused when an edit breaks a hard constraint)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cadretrain.plans import services
from cadretrain.plans.models import AllocationRun, PlanItemClass, SeatAllocation, TrainingPlan
from cadretrain.training.models import Enrolment, TrainingClass
from tests.plans.conftest import make_plan
from tests.training.helpers import programme


def test_plan_list_page_shows_only_the_subtree(world, client_for, django_assert_max_num_queries):
    make_plan(world, world.ward_a)
    make_plan(world, world.ward_b)
    client = client_for("officer_a")
    with django_assert_max_num_queries(12):
        response = client.get("/plans/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Phường Ba Đình" in body and "Phường Ngọc Hà" not in body
    # The city sees both, with the consolidated totals.
    city = client_for("admin").get("/plans/?year=2026").content.decode()
    assert "Tổng cộng 2 kế hoạch" in city and "Phường Ngọc Hà" in city


def test_plan_of_another_ward_is_404_on_web_and_api(world, client_for, api_for):
    plan_b = make_plan(world, world.ward_b)
    assert client_for("officer_a").get(f"/plans/{plan_b.pk}/").status_code == 404
    response = api_for("officer_a").get(f"/api/v1/plans/{plan_b.pk}")
    assert response.status_code == 404 and response.json()["code"] == "trainingplan_not_found"


def test_plan_detail_page_and_approval_via_web(world, client_for, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    plan_a.refresh_from_db()
    own = client_for("officer_a").get(f"/plans/{plan_a.pk}/")
    # The ward's own officer is not offered the approval it may not give.
    assert own.status_code == 200 and "Phê duyệt</button>" not in own.content.decode()
    assert "Phê duyệt</button>" in client_for("admin").get(f"/plans/{plan_a.pk}/").content.decode()
    client = client_for("admin")
    response = client.post(f"/plans/{plan_a.pk}/action/", {"action": "approve", "version": plan_a.version})
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == "APPROVED"


def test_web_edit_after_approval_is_refused_and_nothing_changes(world, client_for, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    services.plan_approve(actor=world.actor("admin"), plan=plan_a)
    plan_a.refresh_from_db()
    response = client_for("officer_a").post(f"/plans/{plan_a.pk}/items/", {
        "need": "Thêm lớp", "people": "2", "quarter": "1", "version": plan_a.version}, follow=True)
    assert "đã phê duyệt" in response.content.decode()
    assert plan_a.items.count() == 1


def test_api_workflow_and_error_codes(world, api_for):
    api = api_for("officer_a")
    created = api.post("/api/v1/plans", {"unit": "00004", "year": 2027}, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    bad = api.post(f"/api/v1/plans/{pk}/items", {"need": "CĐS", "people": 3, "quarter": 2, "budget_state": 5,
                                                  "budget_total": 9}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "plan_budget_mismatch"
    ok = api.post(f"/api/v1/plans/{pk}/items", {"need": "Tập huấn CĐS", "people": 3, "quarter": 2,
                                                 "budget_state": 5, "budget_total": 5}, content_type="application/json")
    assert ok.status_code == 201
    submitted = api.post(f"/api/v1/plans/{pk}/actions", {"action": "submit"}, content_type="application/json")
    assert submitted.json()["status"] == "SUBMITTED"
    own = api.post(f"/api/v1/plans/{pk}/actions", {"action": "approve"}, content_type="application/json")
    assert own.status_code == 403 and own.json()["code"] == "plan_own_unit"
    listing = api_for("officer_b").get("/api/v1/plans").json()
    assert listing == {"items": [], "count": 0}
    approved = api_for("admin").post(f"/api/v1/plans/{pk}/actions", {"action": "approve", "comment": "OK"},
                                     content_type="application/json")
    assert approved.json()["status"] == "APPROVED"
    detail = api.get(f"/api/v1/plans/{pk}").json()
    assert [e["action"] for e in detail["events"]] == ["create", "submit", "approve"]


def test_cli_plan_list_show_and_approve(world, plan_a):
    services.plan_submit(actor=world.actor("officer_a"), plan=plan_a)
    out = StringIO()
    call_command("plan", "list", "--json", stdout=out)
    doc = json.loads(out.getvalue())
    assert doc["count"] == 1 and doc["items"][0]["status"] == "SUBMITTED"
    with pytest.raises(CommandError, match="plan_own_unit"):
        call_command("plan", "approve", "00004/2026", "--user", "officer_a", stdout=StringIO())
    out = StringIO()
    call_command("plan", "approve", str(plan_a.pk), "--comment", "Đồng ý", "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "APPROVED"
    out = StringIO()
    call_command("plan", "show", "00004/2026", "--json", stdout=out)
    assert [e["action"] for e in json.loads(out.getvalue())["events"]] == ["create", "submit", "approve"]


# --- overlaps -----------------------------------------------------------------------------------

def _two_wards_same_course(world):
    prog = programme("CDS-01", name="Chuyển đổi số trong cơ quan nhà nước", kind="DIGITAL",
                     grants_dimension="", grants_level="", content_area="SCIENCE_DIGITAL")
    a = services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2026)
    services.plan_item_add(actor=world.actor("officer_a"), plan=a, need="Bồi dưỡng CĐS cho CB, CC cấp xã",
                           people=4, quarter=2)
    b = services.plan_create(actor=world.actor("officer_b"), unit=world.ward_b, year=2026)
    services.plan_item_add(actor=world.actor("officer_b"), plan=b,
                           need="Boi duong chuyen doi so cho can bo, cong chuc cap xa", people=6, quarter=2)
    other = services.plan_create(actor=SYSTEM_ACTOR, unit=world.department, year=2026)
    services.plan_item_add(actor=SYSTEM_ACTOR, plan=other, need="Tiếng Anh giao tiếp công vụ", people=5, quarter=2)
    return prog


SYSTEM_ACTOR = __import__("cadretrain.domain.access", fromlist=["Actor"]).Actor.system()


def test_overlaps_found_across_wards_and_shown_everywhere(world, client_for, api_for):
    _two_wards_same_course(world)
    doc = api_for("admin").get("/api/v1/overlaps?year=2026").json()
    assert doc["count"] == 1
    cluster = doc["items"][0]
    assert cluster["units"] == ["00004", "00008"] and "similar_text" in cluster["reasons"]
    assert cluster["score"] >= 0.85
    # A ward only sees its own items, so it has nothing to compare across units.
    assert api_for("officer_a").get("/api/v1/overlaps?year=2026").json()["count"] == 0
    assert client_for("admin").get("/plans/overlaps/?year=2026").status_code == 200
    out = StringIO()
    call_command("overlaps", "--year", "2026", "--json", stdout=out)
    assert json.loads(out.getvalue())["items"][0]["key"] == cluster["key"]


def test_city_merges_cluster_into_one_shared_class_with_seats(world, client_for):
    prog = _two_wards_same_course(world)
    from cadretrain.plans.selectors import overlap_clusters

    key = overlap_clusters(actor=world.actor("admin"), year=2026)[0].key
    refused = client_for("officer_a").post("/plans/overlaps/merge/", {
        "year": 2026, "members": key, "code": "CDS-CHUNG", "start_date": "2026-05-04", "end_date": "2026-05-08",
        "programme": prog.code}, follow=True)
    assert refused.status_code == 200 and not TrainingClass.objects.filter(code="CDS-CHUNG").exists()
    response = client_for("admin").post("/plans/overlaps/merge/", {
        "year": 2026, "members": key, "code": "CDS-CHUNG", "start_date": "2026-05-04", "end_date": "2026-05-08",
        "programme": prog.code, "seats_00008": "5"})
    assert response.status_code == 302
    tc = TrainingClass.objects.get(code="CDS-CHUNG")
    assert tc.capacity == 9
    seats = dict(SeatAllocation.objects.filter(training_class=tc).values_list("unit__code", "seats"))
    assert seats == {"00004": 4, "00008": 5}
    assert PlanItemClass.objects.filter(training_class=tc).count() == 2


# --- allocation ---------------------------------------------------------------------------------

def test_allocation_fills_the_seats_with_the_highest_priority_and_explains_the_rest(world, llct_world, api_for):
    response = api_for("admin").post("/api/v1/allocations", {"as_of": "2026-06-01"}, content_type="application/json")
    assert response.status_code == 201
    doc = response.json()
    placed = [r for r in doc["rows"] if r["class"]]
    assert len(placed) == 2 and doc["objective"] <= doc["bound"] + 1e-6
    # The Standing-Committee-managed cadre (P-A3) weighs more and is always placed.
    assert "P-A3" in {r["person"] for r in placed}
    assert {r["reason"] for r in doc["rows"] if not r["class"]} == {"classes_full"}


def test_accepting_a_proposal_creates_nominations(world, llct_world, api_for):
    api = api_for("admin")
    run = api.post("/api/v1/allocations", {"as_of": "2026-06-01"}, content_type="application/json").json()
    done = api.post(f"/api/v1/allocations/{run['id']}/accept", {}, content_type="application/json")
    assert done.status_code == 200
    assert Enrolment.objects.filter(training_class=llct_world, status="NOMINATED").count() == 2
    again = api.post(f"/api/v1/allocations/{run['id']}/accept", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "allocation_already_accepted"


def test_edited_allocation_that_breaks_capacity_changes_nothing(world, llct_world, api_for):
    api = api_for("admin")
    run = api.post("/api/v1/allocations", {"as_of": "2026-06-01"}, content_type="application/json").json()
    pairs = [["P-A1", "LLCT-26"], ["P-A2", "LLCT-26"], ["P-B1", "LLCT-26"]]
    response = api.post(f"/api/v1/allocations/{run['id']}/accept", {"pairs": pairs}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "allocation_capacity"
    assert not Enrolment.objects.filter(training_class=llct_world).exists()
    assert AllocationRun.objects.get(pk=run["id"]).accepted_at is None


def test_allocation_cli_and_page(world, llct_world, client_for):
    out = StringIO()
    call_command("allocate", "--as-of", "2026-06-01", "--json", stdout=out)
    doc = json.loads(out.getvalue())
    assert doc["placed"] == 2 and doc["people"] == 6
    page = client_for("admin").get(f"/plans/allocation/{doc['id']}/")
    assert page.status_code == 200 and "LLCT-26" in page.content.decode()
    # A ward officer only sees the proposals of its subtree.
    assert client_for("officer_b").get(f"/plans/allocation/{doc['id']}/").status_code == 404


def test_officer_allocation_covers_only_its_people(world, llct_world, api_for):
    doc = api_for("officer_a").post("/api/v1/allocations", {"as_of": "2026-06-01"},
                                    content_type="application/json").json()
    assert {r["person"] for r in doc["rows"]} <= {"P-A1", "P-A2", "P-A3"}


def test_plan_proposes_items_from_the_largest_gaps(world, llct_world):
    plan = services.plan_create(actor=world.actor("officer_a"), unit=world.ward_a, year=2026)
    items = services.plan_propose_items(actor=world.actor("officer_a"), plan=plan, as_of=dt.date(2026, 6, 1))
    assert [(i.gap_dimension, i.gap_level, i.people, i.programme.code) for i in items] == [
        ("POLITICAL_THEORY", "TRUNG_CAP", 3, "LLCT-TC")]
    assert TrainingPlan.objects.get(pk=plan.pk).version == plan.version


def test_overlap_detection_reads_in_two_queries_whatever_the_number_of_items(world, django_assert_num_queries):
    _two_wards_same_course(world)
    from cadretrain.plans.selectors import overlap_clusters

    with django_assert_num_queries(2):
        clusters = overlap_clusters(actor=world.actor("admin"), year=2026)
    assert len(clusters) == 1


def test_allocation_input_query_count_is_bounded(world, llct_world, django_assert_max_num_queries):
    from cadretrain.plans.selectors import allocation_input

    with django_assert_max_num_queries(14):
        data = allocation_input(actor=world.actor("admin"), as_of=dt.date(2026, 6, 1))
    assert len(data.people) == 6 and len(data.offers) == 1
