"""The demo dataset: deterministic, real Hà Nội structure across the 2025 reform, consistent
training history, and the demo logins."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from cadretrain.accounts.models import User
from cadretrain.catalogue.models import Programme
from cadretrain.demo.catalogue import POSITION_CODES
from cadretrain.demo.units import build_tree
from cadretrain.demo.users import DEMO_LOGINS, DEMO_PASSWORD
from cadretrain.domain.levels import level_rank
from cadretrain.org.models import OrgUnit, Position
from cadretrain.people.models import Assignment, Credential, Person
from cadretrain.training.models import Enrolment, TrainingClass
from tests.demo.conftest import TODAY

REFORM = dt.date(2025, 7, 1)
LAST_OLD_DAY = dt.date(2025, 6, 30)

pytestmark = pytest.mark.django_db


def test_same_seed_gives_the_same_data_and_another_seed_differs(demo):
    assert demo.digests["first"] == demo.digests["again"]
    assert demo.digests["first"] != demo.digests["other"]


def test_sizes_are_close_to_the_xs_scale(demo):
    assert Person.objects.count() == 500
    assert 4_500 <= Enrolment.objects.count() <= 6_000


def test_thirty_districts_and_526_old_communes_end_on_the_eve_of_the_reform(demo):
    districts = OrgUnit.objects.filter(kind="DISTRICT")
    assert districts.count() == 30
    assert not districts.exclude(valid_to=LAST_OLD_DAY).exists()
    old = OrgUnit.objects.filter(parent__kind="DISTRICT", kind__in=["WARD", "COMMUNE"])
    assert old.count() == 526
    assert not old.exclude(valid_to=LAST_OLD_DAY).exists()
    assert OrgUnit.objects.get(code="HN.001").name == "Quận Ba Đình"


def test_126_new_communes_and_wards_sit_directly_under_the_city_from_the_reform(demo):
    new = OrgUnit.objects.filter(parent__code="HN", kind__in=["WARD", "COMMUNE"])
    assert new.count() == 126
    assert not new.exclude(valid_from=REFORM).exists()
    assert new.filter(kind="WARD").count() == 51
    ba_dinh = OrgUnit.objects.get(code="00004")
    assert (ba_dinh.name, ba_dinh.kind) == ("Phường Ba Đình", "WARD")
    assert set(ba_dinh.children.values_list("code", flat=True)) >= {"00004.VP", "00004.KT", "00004.VHXH"}


def test_every_unit_path_is_its_parents_path_plus_its_id(demo):
    for unit in OrgUnit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
        assert (unit.path, unit.depth) == (expected, unit.parent.depth + 1 if unit.parent else 0)


def test_old_communes_point_at_the_new_unit_they_were_merged_into(demo):
    old = OrgUnit.objects.filter(parent__kind="DISTRICT")
    with_successor = old.filter(successor__valid_from=REFORM, successor__parent__code="HN")
    assert with_successor.count() >= 0.95 * old.count()
    assert build_tree().unmatched_old == []  # every old commune found its new unit
    assert OrgUnit.objects.get(name="Phường Trúc Bạch").successor.code == "00004"
    # "Kim Mã" went whole into Ba Đình and only its remainder into Giảng Võ.
    assert OrgUnit.objects.get(name="Phường Kim Mã").successor.code == "00004"


def test_positions_catalogue_has_the_codes_standards_rely_on(demo):
    required = {"GIAM_DOC_SO", "PHO_GIAM_DOC_SO", "TRUONG_PHONG", "PHO_TRUONG_PHONG", "CHU_TICH_UBND_XA",
                "PHO_CHU_TICH_UBND_XA", "CHUYEN_VIEN", "CHUYEN_VIEN_CHINH", "CHUYEN_VIEN_CAO_CAP",
                "VAN_PHONG_THONG_KE", "DIA_CHINH_XAY_DUNG", "TAI_CHINH_KE_TOAN", "TU_PHAP_HO_TICH",
                "VAN_HOA_XA_HOI"}
    assert required <= set(POSITION_CODES)
    assert required <= set(Position.objects.values_list("code", flat=True))


def test_most_people_work_at_commune_level(demo):
    current = Person.objects.filter(left_on__isnull=True)
    commune_level = current.filter(
        Q(unit__kind__in=["WARD", "COMMUNE"], unit__parent__code="HN")
        | Q(unit__parent__kind__in=["WARD", "COMMUNE"], unit__parent__parent__code="HN")
    )
    assert 0.78 <= commune_level.count() / current.count() <= 0.92


def test_history_crosses_the_reform(demo):
    movers = Person.objects.filter(
        unit__valid_from=REFORM, joined_on__lt=REFORM, left_on__isnull=True
    )
    assert movers.count() > 100
    for person in movers[:200]:
        spells = list(Assignment.objects.filter(person=person).select_related("unit").order_by("valid_from"))
        before = [a for a in spells if a.valid_to == LAST_OLD_DAY]
        assert before and before[-1].unit.valid_to == LAST_OLD_DAY
        assert spells[-1].valid_from == REFORM and spells[-1].valid_to is None
        assert spells[-1].unit_id == person.unit_id


def test_the_current_unit_is_the_last_assignment_for_everyone(demo):
    last = {}
    for a in Assignment.objects.order_by("person_id", "valid_from"):
        last[a.person_id] = a.unit_id
    assert last == dict(Person.objects.values_list("pk", "unit_id"))


def test_capacity_is_never_exceeded_and_enrolled_counts_seats(demo):
    seats = Count("enrolments", filter=Q(enrolments__status__in=["ENROLLED", "COMPLETED", "FAILED"]))
    classes = TrainingClass.objects.annotate(seats=seats, rows=Count("enrolments"))
    assert not classes.exclude(enrolled=F("seats")).exists()
    assert not classes.filter(capacity__isnull=False, rows__gt=F("capacity")).exists()


def test_nobody_is_twice_in_a_class(demo):
    twice = Enrolment.objects.values("training_class", "person").annotate(n=Count("id")).filter(n__gt=1)
    assert not twice.exists()


def test_class_and_enrolment_statuses_agree_with_the_dates(demo):
    assert not TrainingClass.objects.filter(status="FINISHED", end_date__gte=TODAY).exists()
    assert not TrainingClass.objects.filter(status="RUNNING").exclude(start_date__lte=TODAY, end_date__gte=TODAY).exists()
    assert not TrainingClass.objects.filter(status__in=["OPEN", "PLANNED"], start_date__lte=TODAY).exists()
    waiting = Enrolment.objects.filter(status__in=["ENROLLED", "NOMINATED"])
    assert waiting.exists()
    assert not waiting.filter(training_class__status="FINISHED").exists()
    completed = Enrolment.objects.filter(status="COMPLETED")
    assert not completed.exclude(training_class__status="FINISHED").exists()
    assert not completed.exclude(completed_on=F("training_class__end_date")).exists()
    assert not completed.filter(score__lt=5).exists()
    total = Enrolment.objects.count()
    assert 0.6 <= completed.count() / total <= 0.8
    assert TrainingClass.objects.filter(~Q(country="VN"), partner__is_partner=True).exists()


def test_people_attend_only_while_employed(demo):
    assert not Enrolment.objects.filter(person__joined_on__gt=F("training_class__start_date")).exists()
    assert not Enrolment.objects.filter(person__left_on__lte=F("training_class__start_date")).exists()


def test_completions_that_grant_a_level_have_the_credential(demo):
    granted = Credential.objects.filter(enrolment__isnull=False).select_related(
        "enrolment__training_class__programme")
    assert granted.count() > 20
    for credential in granted:
        enrolment = credential.enrolment
        programme = enrolment.training_class.programme
        assert enrolment.status == "COMPLETED" and enrolment.person_id == credential.person_id
        assert (credential.dimension, credential.level) == (programme.grants_dimension, programme.grants_level)
        assert credential.issued_on == enrolment.completed_on
    # Every granting completion either gave the credential or found the level already held.
    granting = Programme.objects.exclude(grants_dimension="")
    for enrolment in Enrolment.objects.filter(status="COMPLETED", training_class__programme__in=granting
                                              ).select_related("training_class__programme")[:300]:
        programme = enrolment.training_class.programme
        held = Credential.objects.filter(person_id=enrolment.person_id, dimension=programme.grants_dimension)
        if programme.grants_language:
            held = held.filter(language=programme.grants_language)
        need = level_rank(programme.grants_dimension, programme.grants_level)
        assert any(level_rank(c.dimension, c.level) >= need for c in held)


def test_names_are_nfc_and_about_38_percent_nguyen(demo):
    names = list(Person.objects.values_list("full_name", flat=True))
    assert all(unicodedata.normalize("NFC", n) == n and len(n.split()) >= 3 for n in names)
    share = sum(n.startswith("Nguyễn ") for n in names) / len(names)
    assert 0.30 <= share <= 0.46
    assert any(" Thị " in n for n in names) and any(" Văn " in n for n in names)


def test_codes_and_national_ids_look_real_and_are_unique(demo):
    rows = list(Person.objects.values_list("code", "national_id"))
    assert all(re.fullmatch(r"CB\d{6}", code) for code, _ in rows)
    assert all(re.fullmatch(r"001\d{9}", nid) for _, nid in rows)
    assert len({nid for _, nid in rows}) == len(rows)


def test_there_are_few_standing_committee_cadres_and_some_gaps(demo):
    assert Person.objects.filter(management_tier="BTV_THANH_UY").exists()
    current = Person.objects.filter(left_on__isnull=True, category="CONG_CHUC")
    without_llct = current.exclude(credentials__dimension="POLITICAL_THEORY").count()
    assert 0 < without_llct < 0.3 * current.count()


def test_one_demo_user_per_role_with_the_shared_password(demo):
    users = {u.username: u for u in User.objects.all()}
    assert {login.username for login in DEMO_LOGINS} <= set(users)
    assert users["canbo.badinh"].unit.code == "00004"
    assert users["sonv"].unit.code == "HN.SNV"
    assert users["truong.lhp"].institution.name == "Trường Đào tạo cán bộ Lê Hồng Phong"
    learner = users["hocvien"].person
    assert learner.unit.path.startswith(OrgUnit.objects.get(code="00004").path)
    assert learner.enrolments.filter(status="COMPLETED").exists()
    assert all(users[login.username].check_password(DEMO_PASSWORD) for login in DEMO_LOGINS)


def test_demo_logins_prints_every_login_and_the_password(demo):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://" in text and DEMO_PASSWORD in text
    assert all(login.username in text for login in DEMO_LOGINS)


def test_if_empty_does_nothing_on_a_populated_database(demo):
    before = (Person.objects.count(), Enrolment.objects.count(), OrgUnit.objects.count())
    out = StringIO()
    call_command("demo", size="XS", if_empty=True, stdout=out, stderr=StringIO())
    assert "bỏ qua" in out.getvalue()
    assert (Person.objects.count(), Enrolment.objects.count(), OrgUnit.objects.count()) == before


def test_loading_into_a_populated_database_is_refused(demo):
    before = Person.objects.count()
    with pytest.raises(CommandError, match="đã có dữ liệu"):
        call_command("demo", size="XS", stdout=StringIO(), stderr=StringIO())
    assert Person.objects.count() == before


def test_the_catalogue_has_every_kind_of_programme_and_partners_abroad(demo):
    from cadretrain.catalogue.models import Institution
    from cadretrain.core.choices import ProgrammeKind

    assert set(Programme.objects.values_list("kind", flat=True)) == set(ProgrammeKind.values)
    assert Programme.objects.get(code="LLCT-CC").grants_level == "CAO_CAP"
    assert Programme.objects.get(code="LLCT-TC").grants_level == "TRUNG_CAP"
    partners = set(Institution.objects.filter(is_partner=True).values_list("country", flat=True))
    assert {"SG", "CN", "KR", "FR"} <= partners


def _summary_rows() -> dict[str, list[tuple]]:
    from django.db import connection

    tables = ("training_personyearperiods", "reports_summarycell", "reports_learnercell")
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            keep = [i for i, c in enumerate(columns) if c != "id"]
            out[table] = sorted(tuple(str(row[i]) for i in keep) for row in cursor.fetchall())
    return out


def test_rebuild_summaries_restores_every_derived_table_from_the_raw_rows(demo):
    """After rows edited outside the product (or an upgrade that reshaped a summary table), the
    operator's command recomputes the summaries exactly as the product had kept them."""
    from django.db import connection

    before = _summary_rows()
    assert before["training_personyearperiods"] and before["reports_summarycell"]
    with connection.cursor() as cursor:
        for table in before:
            cursor.execute(f"DELETE FROM {table}")
        if connection.vendor == "sqlite":  # as for a summary table a migration just created
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'reports_summarycell'")
    out = StringIO()
    call_command("rebuild_summaries", stdout=out)
    assert "Đã tính lại các bảng tổng hợp" in out.getvalue()
    assert _summary_rows() == before
    if connection.vendor == "sqlite":  # the rebuilt tables have planner statistics again
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'reports_summarycell'")
            assert cursor.fetchone()[0] > 0
