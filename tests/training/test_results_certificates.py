"""Sessions, attendance, scores, the TT 01/2018 result, credentials, certificates and the
public verification check."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from cadretrain.core.models import AuditEvent
from cadretrain.domain.errors import Conflict, DomainError, NotFound
from cadretrain.people.models import Credential
from cadretrain.training import services
from cadretrain.training.models import AssessmentScore, Certificate, Enrolment, PersonYearPeriods
from tests.training.helpers import open_class

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def graded(world):
    """A running class at the school with two sessions, two components and three learners."""
    officer = world.actor("officer_a")
    world.institution.short_code = "LHP"
    world.institution.save()
    tc = open_class("K-1", world.ward_a, capacity=5, status="OPEN", institution=world.institution)
    enrolments = {k: services.enrolment_create(actor=officer, training_class=tc, person=world.people[k])
                  for k in ("a1", "a2", "a3")}
    services.class_transition(actor=officer, training_class=tc, target="RUNNING")
    s1 = services.session_create(actor=officer, training_class=tc, date="2026-03-02", start_time="08:00",
                                 end_time="11:30", room="P.201")
    s2 = services.session_create(actor=officer, training_class=tc, date="2026-03-03", start_time="13:30",
                                 end_time="17:00", room="P.201")
    test = services.component_create(actor=officer, training_class=tc, name="Kiểm tra giữa khóa", weight=1)
    essay = services.component_create(actor=officer, training_class=tc, name="Tiểu luận cuối khóa", weight=2)
    tc.refresh_from_db()
    return tc, enrolments, (s1, s2), (test, essay)


def _record(world, tc, enrolments, sessions, comps, *, a2_misses=False, a3_score="4.5"):
    officer = world.actor("officer_a")
    present = {(s.pk, e.pk) for s in sessions for e in enrolments.values()}
    if a2_misses:
        present.discard((sessions[1].pk, enrolments["a2"].pk))
    services.attendance_grid_record(actor=officer, training_class=tc, present=present)
    values = {}
    for key, e in enrolments.items():
        values[(comps[0].pk, e.pk)] = "8"
        values[(comps[1].pk, e.pk)] = a3_score if key == "a3" else "7,5"
    services.scores_grid_record(actor=officer, training_class=tc, values=values)


def test_results_follow_tt01_and_completion_grants_the_level(world, graded):
    tc, enrolments, sessions, comps = graded
    _record(world, tc, enrolments, sessions, comps, a2_misses=True)
    counts = services.results_finalise(actor=world.actor("officer_a"), training_class=tc)
    assert counts == {"COMPLETED": 1, "FAILED": 2}
    rows = {e.person.code: e for e in Enrolment.objects.select_related("person")}
    assert rows["P-A1"].status == "COMPLETED" and rows["P-A1"].score == Decimal("7.67")
    assert rows["P-A1"].completed_on == tc.end_date
    assert rows["P-A2"].status == "FAILED"  # missed a session
    assert rows["P-A3"].status == "FAILED"  # essay 4.5 < 5
    cred = Credential.objects.get(person=world.people["a1"])
    assert (cred.dimension, cred.level, cred.issued_on, cred.enrolment_id) == (
        "POLITICAL_THEORY", "TRUNG_CAP", tc.end_date, rows["P-A1"].pk)
    assert not Credential.objects.filter(person__in=[world.people["a2"], world.people["a3"]]).exists()
    # The person-year periods were refreshed inside the same transaction.
    assert PersonYearPeriods.objects.get(person=world.people["a1"]).periods == 40


def test_missing_scores_refuse_grading_and_change_nothing(world, graded):
    tc, enrolments, sessions, comps = graded
    services.scores_record(actor=world.actor("officer_a"), component=comps[0], scores={enrolments["a1"].pk: "9"})
    with pytest.raises(DomainError) as exc:
        services.results_finalise(actor=world.actor("officer_a"), training_class=tc)
    assert exc.value.code == "scores_incomplete"
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"ENROLLED"}


@pytest.mark.parametrize("bad", ["10.5", "-1", "abc"])
def test_scores_outside_0_10_are_refused_and_nothing_is_written(world, graded, bad):
    tc, enrolments, sessions, comps = graded
    officer = world.actor("officer_a")
    with pytest.raises(DomainError) as exc:
        services.scores_record(actor=officer, component=comps[0],
                               scores={enrolments["a1"].pk: "7", enrolments["a2"].pk: bad})
    assert exc.value.code in {"score_out_of_range", "invalid_number"}
    assert not AssessmentScore.objects.exists()


def test_scores_outside_range_via_api_are_400(world, graded, api_for):
    tc, enrolments, sessions, comps = graded
    response = api_for("officer_a").post(f"/api/v1/components/{comps[0].pk}/scores",
                                         {"scores": {str(enrolments["a1"].pk): 11}},
                                         content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "score_out_of_range"
    assert not AssessmentScore.objects.exists()


def test_session_outside_class_dates_and_reversed_times_are_refused(world, graded):
    tc, *_ = graded
    officer = world.actor("officer_a")
    with pytest.raises(DomainError) as exc:
        services.session_create(actor=officer, training_class=tc, date="2026-04-01", start_time="08:00",
                                end_time="10:00")
    assert exc.value.code == "session_outside_class_dates"
    with pytest.raises(DomainError) as exc:
        services.session_create(actor=officer, training_class=tc, date="2026-03-04", start_time="10:00",
                                end_time="08:00")
    assert exc.value.code == "times_out_of_order"
    assert tc.sessions.count() == 2


def test_officer_of_another_ward_cannot_touch_the_class(world, graded):
    tc, enrolments, sessions, comps = graded
    with pytest.raises(NotFound):
        services.results_finalise(actor=world.actor("officer_b"), training_class=tc)
    with pytest.raises(NotFound):
        services.scores_record(actor=world.actor("officer_b"), component=comps[0],
                               scores={enrolments["a1"].pk: "9"})


def _complete(world, graded):
    tc, enrolments, sessions, comps = graded
    _record(world, tc, enrolments, sessions, comps, a3_score="6")
    services.results_finalise(actor=world.actor("officer_a"), training_class=tc)
    return tc, {k: Enrolment.objects.get(pk=e.pk) for k, e in enrolments.items()}


def test_certificate_numbers_are_sequential_per_institution_and_year(world, graded):
    tc, enrolments = _complete(world, graded)
    officer = world.actor("officer_a")
    certs = [services.certificate_issue(actor=officer, enrolment=enrolments[k], issued_on="2026-03-20")
             for k in ("a1", "a2", "a3")]
    assert [c.serial for c in certs] == ["LHP/2026/00001", "LHP/2026/00002", "LHP/2026/00003"]
    assert Enrolment.objects.get(pk=enrolments["a1"].pk).certificate_no == "LHP/2026/00001"
    assert len({c.verification_code for c in certs}) == 3
    assert all(len(c.verification_code) >= 32 for c in certs)
    with pytest.raises(Conflict) as exc:
        services.certificate_issue(actor=officer, enrolment=enrolments["a1"])
    assert exc.value.code == "certificate_already_issued"


def test_no_certificate_without_completion(world, graded):
    tc, enrolments, *_ = graded
    with pytest.raises(Conflict) as exc:
        services.certificate_issue(actor=world.actor("officer_a"), enrolment=enrolments["a1"])
    assert exc.value.code == "certificate_requires_completion"
    assert not Certificate.objects.exists()


def test_revocation_keeps_history_and_revoking_twice_is_refused(world, graded, api_for):
    tc, enrolments = _complete(world, graded)
    officer = world.actor("officer_a")
    cert = services.certificate_issue(actor=officer, enrolment=enrolments["a1"], issued_on="2026-03-20")
    public = api_for(None).get(f"/api/v1/certificates/verify/{cert.verification_code}")
    assert public.status_code == 200 and public.json()["status"] == "VALID"
    with pytest.raises(DomainError) as exc:
        services.certificate_revoke(actor=officer, certificate=cert, ground="NOT_A_GROUND")
    assert exc.value.code == "unknown_revocation_ground"
    services.certificate_revoke(actor=officer, certificate=cert, ground="LENT", note="Cho mượn")
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        services.certificate_revoke(actor=officer, certificate=cert, ground="FRAUD")
    assert exc.value.code == "certificate_not_valid"
    assert AuditEvent.objects.count() == events
    cert.refresh_from_db()
    assert (cert.status, cert.revocation_ground) == ("REVOKED", "LENT")
    assert api_for(None).get(f"/api/v1/certificates/verify/{cert.verification_code}").json()["status"] == "REVOKED"


def test_reissue_gives_a_new_number_and_keeps_the_old(world, graded):
    tc, enrolments = _complete(world, graded)
    officer = world.actor("officer_a")
    old = services.certificate_issue(actor=officer, enrolment=enrolments["a1"], issued_on="2026-03-20")
    new = services.certificate_reissue(actor=officer, certificate=old, ground="INSTITUTION_ERROR")
    old.refresh_from_db()
    assert old.status == "REPLACED" and new.replaces_id == old.pk and new.number == old.number + 1
    assert Enrolment.objects.get(pk=enrolments["a1"].pk).certificate_no == new.serial


def test_public_verification_shows_nothing_private(world, graded, api_for, client_for):
    tc, enrolments = _complete(world, graded)
    world.people["a1"].national_id = "001085012345"
    world.people["a1"].save()
    cert = services.certificate_issue(actor=world.actor("officer_a"), enrolment=enrolments["a1"],
                                      issued_on="2026-03-20")
    body = api_for(None).get(f"/api/v1/certificates/verify/{cert.verification_code}").json()
    assert body == {"holder_name": "Nguyễn Văn An", "programme": "Trung cấp lý luận chính trị - hành chính",
                    "institution": "Trường Đào tạo cán bộ Lê Hồng Phong", "certificate_no": "LHP/2026/00001",
                    "issue_date": "2026-03-20", "status": "VALID"}
    assert api_for(None).get("/api/v1/certificates/verify/not-a-real-code").status_code == 404
    page = client_for(None).get(f"/verify/{cert.verification_code}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nguyễn Văn An" in html and "001085012345" not in html and "1985" not in html


def test_certificate_pdf_is_a4_landscape_with_vietnamese_text(world, graded):
    from cadretrain.training.pdf import certificate_html, certificate_pdf

    tc, enrolments = _complete(world, graded)
    cert = services.certificate_issue(actor=world.actor("officer_a"), enrolment=enrolments["a2"],
                                      issued_on="2026-04-05")
    url = f"https://daotao.hanoi.gov.vn/verify/{cert.verification_code}"
    html = certificate_html(cert, url)
    assert "GIẤY CHỨNG NHẬN" in html and unicodedata.is_normalized("NFC", html)
    assert "Hà Nội, ngày 05 tháng 4 năm 2026" in html and "Chứng nhận Bà" in html
    pdf = certificate_pdf(cert, url)
    assert pdf.startswith(b"%PDF")
    if os.environ.get("CADRETRAIN_KEEP_ARTIFACTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "certificate.pdf").write_bytes(pdf)


def test_certificate_download_is_scoped(world, graded, client_for):
    tc, enrolments = _complete(world, graded)
    cert = services.certificate_issue(actor=world.actor("officer_a"), enrolment=enrolments["a1"],
                                      issued_on="2026-03-20")
    url = f"/training/certificates/{cert.pk}/pdf/"
    response = client_for("learner").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_for("officer_b").get(url).status_code == 404
    other = services.certificate_issue(actor=world.actor("officer_a"), enrolment=enrolments["a2"],
                                       issued_on="2026-03-20")
    assert client_for("learner").get(f"/training/certificates/{other.pk}/pdf/").status_code == 404


def test_vietnamese_long_date_uses_leading_zeros_for_small_days_and_jan_feb():
    from cadretrain.training.pdf import vn_long_date

    assert vn_long_date(dt.date(2026, 2, 5)) == "Hà Nội, ngày 05 tháng 02 năm 2026"
    assert vn_long_date(dt.date(2026, 11, 29)) == "Hà Nội, ngày 29 tháng 11 năm 2026"
