"""A revoked certificate takes back the level its completion granted (and a reissue after a
revocation by the institution's error gives it back); a cancelled class releases its people."""

from __future__ import annotations

import datetime as dt

import pytest

from cadretrain.core.models import AuditEvent
from cadretrain.domain.errors import Conflict
from cadretrain.people.models import Credential
from cadretrain.people.services import credential_add
from cadretrain.training import services
from cadretrain.training.models import Certificate, Enrolment, PersonYearPeriods, TrainingClass
from tests.training.helpers import SYSTEM, open_class


def _completed_with_certificate(world, code="K-R1", *, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 13)):
    """a1 completes a class at the school granting TRUNG_CAP political theory and gets a certificate."""
    officer = world.actor("officer_a")
    tc = open_class(code, world.ward_a, institution=world.institution, start=start, end=end)
    enrolment = services.enrolment_create(actor=officer, training_class=tc, person=world.people["a1"])
    services.class_transition(actor=officer, training_class=tc, target="RUNNING")
    services.results_finalise(actor=officer, training_class=tc)
    enrolment.refresh_from_db()
    cert = services.certificate_issue(actor=officer, enrolment=enrolment, issued_on=end + dt.timedelta(days=5))
    return tc, enrolment, cert


def test_revoking_the_certificate_withdraws_the_level_it_granted_with_audit(world):
    tc, enrolment, cert = _completed_with_certificate(world)
    cred = Credential.objects.get(person=world.people["a1"])
    assert (cred.enrolment_id, cred.certificate_no) == (enrolment.pk, cert.serial)
    services.certificate_revoke(actor=world.actor("officer_a"), certificate=cert, ground="FRAUD")
    assert not Credential.objects.filter(person=world.people["a1"]).exists()
    event = AuditEvent.objects.get(action="credential_withdraw")
    assert event.object_pk == str(world.people["a1"].pk) and event.unit_path == world.ward_a.path
    assert event.changes["credential"]["level"] == "TRUNG_CAP"
    assert event.changes["certificate"] == cert.serial and event.changes["ground"] == "FRAUD"


def test_revoking_keeps_a_level_recorded_by_hand(world):
    tc, enrolment, cert = _completed_with_certificate(world)
    Credential.objects.filter(enrolment=enrolment).delete()
    manual = credential_add(actor=SYSTEM, person=world.people["a1"], dimension="POLITICAL_THEORY",
                            level="TRUNG_CAP", issued_on="2020-06-01", issuer="Học viện")
    services.certificate_revoke(actor=world.actor("officer_a"), certificate=cert, ground="FRAUD")
    assert list(Credential.objects.filter(person=world.people["a1"])) == [manual]


def test_revoking_moves_the_level_to_another_standing_completion(world):
    # First completion: level granted. Second completion of the same level: nothing new granted
    # (already held). Revoking the first must leave the level resting on the second.
    tc1, e1, cert1 = _completed_with_certificate(world, "K-R1")
    tc2, e2, cert2 = _completed_with_certificate(world, "K-R2", start=dt.date(2026, 4, 6), end=dt.date(2026, 4, 17))
    assert Credential.objects.filter(person=world.people["a1"]).count() == 1
    services.certificate_revoke(actor=world.actor("officer_a"), certificate=cert1, ground="FRAUD")
    cred = Credential.objects.get(person=world.people["a1"])
    assert (cred.enrolment_id, cred.issued_on, cred.certificate_no) == (e2.pk, dt.date(2026, 4, 17), cert2.serial)
    assert AuditEvent.objects.filter(action="credential_rebase").count() == 1
    # Revoking the second too leaves no basis at all.
    services.certificate_revoke(actor=world.actor("officer_a"), certificate=cert2, ground="LENT")
    assert not Credential.objects.filter(person=world.people["a1"]).exists()


def test_reissue_after_a_revocation_by_institution_error_restores_the_level(world):
    tc, enrolment, cert = _completed_with_certificate(world)
    officer = world.actor("officer_a")
    services.certificate_revoke(actor=officer, certificate=cert, ground="UNQUALIFIED")
    with pytest.raises(Conflict) as exc:  # lost or damaged is no ground to undo a revocation
        services.certificate_reissue(actor=officer, certificate=cert, ground="LOST_OR_DAMAGED")
    assert exc.value.code == "certificate_not_valid"
    assert not Credential.objects.filter(person=world.people["a1"]).exists()
    new = services.certificate_reissue(actor=officer, certificate=cert, ground="INSTITUTION_ERROR")
    cert.refresh_from_db()
    assert cert.status == "REVOKED" and new.status == "VALID" and new.replaces_id == cert.pk
    cred = Credential.objects.get(person=world.people["a1"])
    assert (cred.level, cred.issued_on, cred.enrolment_id, cred.certificate_no) == (
        "TRUNG_CAP", tc.end_date, enrolment.pk, new.serial)
    assert AuditEvent.objects.filter(action="credential_restore", object_pk=str(world.people["a1"].pk)).exists()
    with pytest.raises(Conflict):  # a revoked certificate is reissued once
        services.certificate_reissue(actor=officer, certificate=cert, ground="INSTITUTION_ERROR")
    assert Certificate.objects.filter(enrolment=enrolment, status="VALID").count() == 1


def test_reissue_of_a_valid_certificate_updates_the_number_on_the_level(world):
    tc, enrolment, cert = _completed_with_certificate(world)
    new = services.certificate_reissue(actor=world.actor("officer_a"), certificate=cert, ground="LOST_OR_DAMAGED")
    assert Credential.objects.get(person=world.people["a1"]).certificate_no == new.serial


def test_cancelling_a_class_withdraws_nominations_waitlist_and_enrolments_and_frees_seats(world):
    officer_a, officer_b = world.actor("officer_a"), world.actor("officer_b")
    tc = open_class("K-C1", world.ward_a, capacity=2)
    enrolled = [services.enrolment_create(actor=officer_a, training_class=tc, person=world.people[k])
                for k in ("a1", "a2")]
    waiting = services.nomination_create(actor=officer_b, training_class=tc, person=world.people["b1"])
    services.nomination_approve(actor=officer_a, enrolment=waiting)  # class full → waitlisted
    nominated = services.nomination_create(actor=officer_b, training_class=tc, person=world.people["b2"])
    assert Enrolment.objects.get(pk=waiting.pk).waitlisted_at is not None
    seen: list[set[int]] = []

    from cadretrain.training.signals import enrolments_changed

    def listener(sender, person_ids, class_ids, **kw):
        seen.append(set(person_ids))

    enrolments_changed.connect(listener, dispatch_uid="test-cancel")
    try:
        services.class_transition(actor=officer_a, training_class=tc, target="CANCELLED",
                                  reason="Không đủ học viên")
    finally:
        enrolments_changed.disconnect(dispatch_uid="test-cancel")
    rows = {e.pk: e for e in Enrolment.objects.filter(training_class=tc)}
    for e in [*enrolled, waiting, nominated]:
        assert rows[e.pk].status == "WITHDRAWN" and rows[e.pk].waitlisted_at is None
    tc.refresh_from_db()
    assert (tc.status, tc.enrolled) == ("CANCELLED", 0)
    ids = {world.people[k].pk for k in ("a1", "a2", "b1", "b2")}
    assert seen == [ids]
    events = AuditEvent.objects.filter(action="withdraw", model="training.enrolment")
    assert events.count() == 4
    assert {e.changes["reason"] for e in events} == {"Không đủ học viên"}
    assert {e.unit_path for e in events} == {world.ward_a.path, world.office_a.path, world.ward_b.path}
    class_event = AuditEvent.objects.filter(action="transition", object_pk=str(tc.pk)).latest("id")
    assert class_event.changes == {"status": ["OPEN", "CANCELLED"], "reason": "Không đủ học viên", "withdrawn": 4}


def test_cancelling_a_running_class_keeps_results_already_decided(world):
    officer = world.actor("officer_a")
    tc = open_class("K-C2", world.ward_a, capacity=3)
    done = services.enrolment_create(actor=officer, training_class=tc, person=world.people["a1"])
    services.class_transition(actor=officer, training_class=tc, target="RUNNING")
    services.results_finalise(actor=officer, training_class=tc)  # a1 completes
    late = services.enrolment_create(actor=officer, training_class=tc, person=world.people["a2"])
    services.class_transition(actor=officer, training_class=tc, target="CANCELLED")
    assert Enrolment.objects.get(pk=done.pk).status == "COMPLETED"
    assert Enrolment.objects.get(pk=late.pk).status == "WITHDRAWN"
    assert TrainingClass.objects.get(pk=tc.pk).enrolled == 1
    assert PersonYearPeriods.objects.get(person=world.people["a1"]).periods == 40


def test_cancel_button_on_the_class_page_takes_a_reason(world, client_for):
    tc = open_class("K-C3", world.ward_a, capacity=3)
    services.enrolment_create(actor=world.actor("officer_a"), training_class=tc, person=world.people["a1"])
    client = client_for("officer_a")
    page = client.get(f"/training/classes/{tc.code}/").content.decode()
    assert 'name="reason"' in page
    client.post(f"/training/classes/{tc.code}/transition/", {"status": "CANCELLED", "reason": "Đổi kế hoạch"})
    assert Enrolment.objects.get(training_class=tc).status == "WITHDRAWN"
    assert AuditEvent.objects.filter(action="withdraw", changes__reason="Đổi kế hoạch").exists()
