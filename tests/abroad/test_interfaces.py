"""Training abroad through the web pages and the API: scoping (a ward officer sees only their
subtree's delegations and people, in lists, counts, details and the report), the forms, the
{"items","count"} / {"code","message"} conventions and query counts of the lists."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cadretrain.abroad import services
from cadretrain.abroad.models import Mission, Participant, Reimbursement
from cadretrain.core.models import AuditEvent
from tests.abroad.conftest import D, make_mission
from tests.world import SYSTEM

JSON = "application/json"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: D(2026, 11, 29))
    return D(2026, 11, 29)


@pytest.fixture
def returned(world, city_mission, mission_a, today):
    """Both delegations back; a1 and a2 committed for 12 months, b1 for 6; b1 left and owes."""
    for mission in (mission_a, city_mission):
        for p in Participant.objects.filter(mission=mission):
            months = 6 if p.person.code == "P-B1" else 12
            services.participant_update(actor=SYSTEM, participant=p, outcome="COMPLETED",
                                        returned_on=mission.return_date, commitment_months=months)
    b1 = Participant.objects.get(person__code="P-B1")
    services.reimbursement_assess(actor=SYSTEM, participant=b1, left_on="2026-11-20", reason="TRANSFER_OUT")
    return b1


# --- pages -----------------------------------------------------------------------------------
def test_list_page_shows_only_the_subtree_and_counts_only_visible_people(
        world, client_for, mission_a, city_mission, django_assert_max_num_queries):
    make_mission(world, code="D-B", unit=world.ward_b, departure_date="2026-11-01", return_date="2026-11-05")
    client = client_for("officer_a")
    with django_assert_max_num_queries(8):
        response = client.get("/abroad/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "D-A1" in html and "D-HN" in html and "D-B" not in html  # D-HN: a2 of ward A takes part
    admin_html = client_for("admin").get("/abroad/").content.decode()
    assert "D-B" in admin_html


def test_list_page_query_count_does_not_grow_with_missions(world, client_for, django_assert_max_num_queries):
    for i in range(30):
        make_mission(world, code=f"D-{i:02d}", departure_date=f"2026-{1 + i % 12:02d}-01",
                     return_date=f"2026-{1 + i % 12:02d}-05")
    client = client_for("admin")
    with django_assert_max_num_queries(8):
        response = client.get("/abroad/?year=2026&country=CN&kind=SHORT_TERM")
    assert response.status_code == 200 and "D-29" in response.content.decode()


def test_detail_shows_only_participants_in_scope_and_another_wards_mission_is_404(
        world, client_for, city_mission, mission_a):
    html = client_for("officer_a").get("/abroad/missions/D-HN/").content.decode()
    assert "Trần Thị Bình" in html and "Nguyễn Thị Dung" not in html
    assert client_for("officer_b").get("/abroad/missions/D-A1/").status_code == 404
    assert client_for("learner").get("/abroad/").status_code == 404
    assert client_for("admin").get("/abroad/missions/D-HN/").status_code == 200


def test_create_form_refuses_unbalanced_funding_with_a_clear_message(world, client_for):
    client = client_for("officer_a")
    assert client.get("/abroad/missions/new/").status_code == 200
    form = {"code": "D-WEB", "organizer_unit": "00004", "title": "Đoàn học tập Singapore", "kind": "SHORT_TERM",
            "country": "SG", "departure_date": "2026-12-01", "return_date": "2026-12-08",
            "budget_state": "100000000", "budget_partner": "0", "budget_unit": "0", "budget_learner": "0",
            "budget_total": "90000000", "training_class": "", "partner": "", "agreement": ""}
    response = client.post("/abroad/missions/new/", form)
    assert response.status_code == 400
    assert "không bằng tổng kinh phí" in response.content.decode()
    assert not Mission.objects.exists()
    response = client.post("/abroad/missions/new/", {**form, "budget_total": ""})
    assert response.status_code == 302 and response["Location"] == "/abroad/missions/D-WEB/"
    assert Mission.objects.get(code="D-WEB").budget_total == 100_000_000


def test_add_participant_form_refuses_someone_outside_scope(world, client_for, mission_a):
    client = client_for("officer_a")
    response = client.post("/abroad/missions/D-A1/participants/", {"person": "P-B1"}, follow=True)
    assert "không thuộc phạm vi quản lý" in response.content.decode()
    client.post("/abroad/missions/D-A1/participants/", {"person": "P-A3", "cost_vnd": "70000000"})
    assert Participant.objects.filter(mission=mission_a).count() == 2


def test_participant_and_reimbursement_forms(world, client_for, mission_a, today):
    p = Participant.objects.get(mission=mission_a)
    client = client_for("officer_a")
    client.post(f"/abroad/participants/{p.pk}/", {"outcome": "COMPLETED", "returned_on": "2026-09-26",
                                                  "cost_vnd": "80000000", "commitment_months": "12",
                                                  "training_months": ""})
    p.refresh_from_db()
    assert (p.commitment_months, p.commitment_ends_on) == (12, D(2027, 9, 26))
    response = client.post(f"/abroad/participants/{p.pk}/reimbursement/",
                           {"left_on": "", "reason": "QUIT"}, follow=True)
    assert "người đang công tác không phải bồi hoàn" in response.content.decode()
    client.post(f"/abroad/participants/{p.pk}/reimbursement/", {"left_on": "2026-11-27", "reason": "QUIT"})
    r = Reimbursement.objects.get(participant=p)
    assert (r.served_months, r.amount_vnd) == (2, 66_666_667)  # 80e6 × 10/12
    page = client.get("/abroad/commitments/").content.decode()
    assert "66.666.667" in page or "66,666,667" in page
    client.post(f"/abroad/reimbursements/{r.pk}/settle/", {"status": "PAID", "settled_on": "2026-11-29"})
    r.refresh_from_db()
    assert r.status == "PAID"


def test_partner_page_and_agreement_form_for_the_city(world, client_for, partner, mou):
    html = client_for("viewer_a").get("/abroad/partners/").content.decode()
    assert "South China University of Technology" in html and "01/MOU-HN-SCUT" in html
    assert client_for("officer_a").post("/abroad/partners/", {"form": "partner", "name": "X",
                                                              "country": "JP"}).status_code == 404
    admin = client_for("admin")
    response = admin.post("/abroad/partners/", {"form": "agreement", "partner": partner.pk, "title": "Hợp đồng",
                                                "kind": "CONTRACT", "valid_from": "2026-01-01",
                                                "valid_to": "2025-01-01"}, follow=True)
    assert "Ngày kết thúc không được trước ngày bắt đầu" in response.content.decode() or \
        partner.agreements.count() == 1
    assert partner.agreements.count() == 1


def test_commitment_report_page_counts_only_the_subtree(world, client_for, returned, django_assert_max_num_queries):
    client = client_for("officer_a")
    with django_assert_max_num_queries(14):
        response = client.get("/abroad/commitments/?commitment=running")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Văn An" in html and "Trần Thị Bình" in html and "Nguyễn Thị Dung" not in html


# --- API -------------------------------------------------------------------------------------
def test_api_lists_follow_the_conventions_and_scoping(world, api_for, returned, django_assert_max_num_queries):
    api = api_for("officer_a")
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/abroad/missions").json()
    assert body["count"] == 2 and {m["code"] for m in body["items"]} == {"D-A1", "D-HN"}
    assert {m["code"]: m["participants"] for m in body["items"]} == {"D-A1": 1, "D-HN": 1}
    people = api.get("/api/v1/abroad/participants").json()
    assert people["count"] == 2 and {p["person"] for p in people["items"]} == {"P-A1", "P-A2"}
    assert api.get("/api/v1/abroad/reimbursements").json() == {"items": [], "count": 0}
    b = api_for("officer_b").get("/api/v1/abroad/reimbursements").json()
    assert b["count"] == 1 and b["items"][0]["person"] == "P-B1" and b["items"][0]["case"] == "PRO_RATA"
    assert b["items"][0]["amount_vnd"] == 50_000_000 * 5 // 6 + 1  # 41,666,667: T2 = 1 of 6 months
    assert api_for("officer_b").get("/api/v1/abroad/missions/D-A1").status_code == 404
    missing = api.get("/api/v1/abroad/missions/NOPE").json()
    assert missing["code"] == "mission_not_found" and missing["message"]
    detail = api.get("/api/v1/abroad/missions/D-HN").json()
    assert [p["person"] for p in detail["participants"]] == ["P-A2"]


def test_api_participant_list_query_count_is_flat(world, api_for, django_assert_max_num_queries):
    for i in range(12):
        m = make_mission(world, code=f"D-Q{i}", departure_date=f"2026-{1 + i:02d}-01",
                         return_date=f"2026-{1 + i:02d}-05")
        services.participant_add(actor=SYSTEM, mission=m, person_code="P-A1")
    with django_assert_max_num_queries(8):
        body = api_for("officer_a").get("/api/v1/abroad/participants").json()
    assert body["count"] == 12


def test_api_report_covers_only_the_callers_subtree(world, api_for, returned):
    city = api_for("admin").get("/api/v1/abroad/report?as_of=2026-11-29&horizon_months=12").json()
    assert city["commitments"]["running"] == 2 and city["commitments"]["ending"] == 2
    assert city["reimbursements"] == {"owed_count": 1, "owed_amount": 41_666_667, "paid_amount": 0,
                                      "waived_amount": 0}
    ward_a = api_for("officer_a").get("/api/v1/abroad/report?as_of=2026-11-29").json()
    assert ward_a["reimbursements"]["owed_count"] == 0 and ward_a["commitments"]["running"] == 2
    assert [u["unit"] for u in ward_a["by_unit"]] == ["00004", "00004.VP"]
    sooner = api_for("admin").get("/api/v1/abroad/participants?commitment=ending&horizon_months=10"
                                  "&as_of=2026-11-29").json()
    assert {p["person"] for p in sooner["items"]} == {"P-A1"}
    ending_soon = api_for("admin").get("/api/v1/abroad/participants?commitment=ending&horizon_months=11"
                                       "&as_of=2026-11-29").json()
    assert {p["person"] for p in ending_soon["items"]} == {"P-A1", "P-A2"}  # end 26 Sep / 12 Oct 2027
    bad = api_for("admin").get("/api/v1/abroad/participants?commitment=soon").json()
    assert bad["code"] == "unknown_commitment_filter"


def test_api_writes_refuse_bad_input_clearly_and_audit_good_input(world, api_for, partner, mou, today):
    api = api_for("officer_a")
    base = {"code": "D-API", "title": "Đoàn API", "organizer_unit": "00004", "country": "CN",
            "departure_date": "2026-10-01", "return_date": "2026-10-10", "partner": partner.pk,
            "agreement": mou.pk, "budget_state": 10, "budget_partner": 5}
    bad = api.post("/api/v1/abroad/missions", {**base, "budget_total": 20}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["code"] == "mission_funding_mismatch"
    assert "không bằng tổng kinh phí" in bad.json()["message"]
    back = api.post("/api/v1/abroad/missions", {**base, "return_date": "2026-09-01"}, content_type=JSON)
    assert back.json()["code"] == "return_before_departure"
    other = api.post("/api/v1/abroad/missions", {**base, "organizer_unit": "00008"}, content_type=JSON)
    assert other.json()["code"] == "mission_unit_out_of_scope"
    created = api.post("/api/v1/abroad/missions", base, content_type=JSON)
    assert created.status_code == 201 and created.json()["funding"]["total"] == 15
    out = api.post("/api/v1/abroad/missions/D-API/participants", {"person": "P-B1"}, content_type=JSON)
    assert out.status_code == 400 and out.json()["code"] == "participant_out_of_scope"
    added = api.post("/api/v1/abroad/missions/D-API/participants", {"person": "P-A1", "cost_vnd": 90},
                     content_type=JSON)
    assert added.status_code == 201
    pk = added.json()["id"]
    early = api.post(f"/api/v1/abroad/participants/{pk}/reimbursement", {"left_on": "2026-10-05",
                                                                          "reason": "QUIT"}, content_type=JSON)
    assert early.json()["code"] == "participant_not_returned"
    done = api.patch(f"/api/v1/abroad/participants/{pk}", {"outcome": "COMPLETED", "returned_on": "2026-10-10",
                                                           "commitment_months": 6}, content_type=JSON)
    assert done.status_code == 200 and done.json()["commitment_ends_on"] == "2027-04-10"
    status = api.patch("/api/v1/abroad/missions/D-API", {"status": "APPROVED"}, content_type=JSON)
    assert status.json()["status"] == "APPROVED"
    assert AuditEvent.objects.filter(model__startswith="abroad.").count() >= 4
    agreements = api_for("viewer_a").get("/api/v1/abroad/agreements?in_force_on=2026-10-01").json()
    assert agreements["count"] == 1 and agreements["items"][0]["reference"] == "01/MOU-HN-SCUT"
    refused = api.post("/api/v1/abroad/agreements", {"partner": partner.pk, "title": "x", "valid_from": "2026-01-01"},
                       content_type=JSON)
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"


def test_city_report_rolls_people_up_to_the_units_under_the_city(world, api_for, returned):
    city = api_for("admin").get("/api/v1/abroad/report?as_of=2026-11-29").json()
    rows = {u["unit"]: u for u in city["by_unit"]}
    assert set(rows) == {"00004", "00008"}
    assert (rows["00004"]["running"], rows["00004"]["owed_count"]) == (2, 0)  # a1 + a2 of its office
    assert (rows["00008"]["running"], rows["00008"]["owed_count"], rows["00008"]["owed_amount"]) == (
        0, 1, 41_666_667)


def test_people_of_the_linked_class_join_the_delegation_in_one_step(world, api_for, client_for, abroad_class):
    from cadretrain.training import services as training

    training.class_transition(actor=SYSTEM, training_class=abroad_class, target="OPEN")
    for code in ("a1", "a3", "b1"):
        training.enrolment_create(actor=SYSTEM, training_class=abroad_class, person=world.people[code])
    mission = services.mission_create(actor=SYSTEM, code="D-CLASS", title="", organizer_unit=world.city,
                                      training_class=abroad_class)
    services.participant_add(actor=SYSTEM, mission=mission, person_code="P-A1")
    body = api_for("admin").post("/api/v1/abroad/missions/D-CLASS/participants/from-class").json()
    assert body["count"] == 2 and {p["person"] for p in body["items"]} == {"P-A3", "P-B1"}
    assert api_for("admin").post("/api/v1/abroad/missions/D-CLASS/participants/from-class").json()["count"] == 0
    lone = make_mission(world, code="D-LONE")
    refused = api_for("officer_a").post("/api/v1/abroad/missions/D-LONE/participants/from-class").json()
    assert refused["code"] == "mission_has_no_class" and lone.pk
    page = client_for("admin").get("/abroad/missions/D-CLASS/").content.decode()
    assert "participants/from-class/" in page


def test_commitments_export_is_a_workbook_of_the_visible_people_only(world, client_for, returned):
    import io

    from openpyxl import load_workbook

    client = client_for("officer_b")
    response = client.get("/abroad/commitments/?as_of=2026-11-29&commitment=ended&format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert client_for("officer_b").get("/abroad/commitments/?commitment=running&format=xlsx").status_code == 200
    sheet = load_workbook(io.BytesIO(client.get("/abroad/commitments/?as_of=2027-06-01&commitment=ended"
                                                "&format=xlsx").content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == ["P-B1"] and rows[0][10] == 41_666_667  # ended 12 Apr 2027, owes
    assert client_for("learner").get("/abroad/commitments/?format=xlsx").status_code == 404


def test_person_page_lists_the_persons_delegations_with_their_commitment(world, client_for, returned):
    html = client_for("officer_a").get("/people/P-A2/").content.decode()
    assert "Đào tạo, bồi dưỡng ở nước ngoài" in html and "/abroad/missions/D-HN/" in html
    # P-A3 never went abroad: no empty section.
    assert "Đào tạo, bồi dưỡng ở nước ngoài" not in client_for("officer_a").get("/people/P-A3/").content.decode()
    # Ward B's officer opens P-B1's page and sees the city delegation P-B1 joined.
    assert "/abroad/missions/D-HN/" in client_for("officer_b").get("/people/P-B1/").content.decode()
