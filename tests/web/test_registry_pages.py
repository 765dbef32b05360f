"""What the registry pages show: scoped lists, head-counts and search; profiles with history and
masked national IDs; a fixed number of queries whatever the data size."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadretrain.domain.text import fold
from cadretrain.org.services import unit_create
from cadretrain.people.models import Person
from cadretrain.people.services import credential_add, person_transfer, person_update
from tests.world import SYSTEM


def text(response):
    return response.content.decode()


def badge_counts(html):
    """{unit code: head-count} as shown in the unit tree."""
    pattern = r'<span class="muted">([^<]+)</span> <span class="badge"[^>]*>([\d.,]+)</span>'
    return {code: int(re.sub(r"\D", "", n)) for code, n in re.findall(pattern, html)}


def test_unit_tree_shows_the_officers_subtree_only(client_for, world):
    html = text(client_for("officer_a").get("/units/"))
    assert badge_counts(html) == {"00004": 3, "00004.VP": 1}
    assert "Ngọc Hà" not in html and "Thành phố Hà Nội</a>" not in html


def test_unit_tree_of_the_admin_counts_everyone(client_for, world):
    assert badge_counts(text(client_for("admin").get("/units/"))) == {
        "HN": 6, "00004": 3, "00004.VP": 1, "00008": 2, "HN.SNV": 1}


def test_historical_switch_shows_dissolved_units_with_successor(client_for, world):
    unit_create(actor=SYSTEM, code="D001", name="Quận Ba Đình", kind="DISTRICT", parent=world.city,
                valid_to=dt.date(2025, 6, 30), successor=world.ward_a)
    admin = client_for("admin")
    assert "Quận Ba Đình" not in text(admin.get("/units/"))
    html = text(admin.get("/units/?historical=1"))
    assert "Quận Ba Đình" in html and "→ Phường Ba Đình" in html and "30/06/2025" in html


def test_unit_page_shows_facts_children_and_categories(client_for, world):
    old = unit_create(actor=SYSTEM, code="W00004", name="Phường Trúc Bạch", kind="WARD",
                      parent=world.ward_a, valid_to=dt.date(2025, 6, 30), successor=world.ward_a)
    html = text(client_for("officer_a").get("/units/00004/"))
    assert "00004.VP" in html and "Văn phòng HĐND-UBND phường Ba Đình" in html
    assert old.name in html  # predecessor and (dissolved) child
    assert "Cán bộ" in html and "Công chức" in html
    assert "/people/?unit=00004" in html
    # The parent (the city) lies outside the officer's scope: not named.
    assert "Thành phố Hà Nội" not in html


def test_unit_page_query_count_does_not_grow_with_children(client_for, world, django_assert_max_num_queries):
    admin = client_for("admin")
    admin.get("/units/HN/")
    with CaptureQueriesContext(connection) as few:
        admin.get("/units/HN/")
    for i in range(25):
        unit_create(actor=SYSTEM, code=f"X{i}", name=f"Xã {i}", kind="COMMUNE", parent=world.city)
    with django_assert_max_num_queries(len(few)):
        assert admin.get("/units/HN/").status_code == 200


def test_people_list_is_scoped(client_for, world):
    html = text(client_for("officer_a").get("/people/"))
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường"):
        assert name in html
    for name in ("Nguyễn Thị Dung", "Phạm Quang Em", "Hoàng Minh Giang"):
        assert name not in html
    assert "3 người" in html


def test_search_for_a_name_in_the_other_ward_finds_nothing(client_for, world):
    officer = client_for("officer_a")
    html = text(officer.get("/people/", {"q": "Nguyễn Thị Dung"}))
    results = html.split('role="status"', 1)[1]
    assert "Nguyễn Thị Dung" not in results and "/people/P-B1/" not in html
    assert "0 người" in html
    html = text(officer.get("/people/", {"q": "P-B1"}))
    assert "/people/P-B1/" not in html and "0 người" in html


def test_search_folds_diacritics_on_the_page(client_for, world):
    html = text(client_for("admin").get("/people/", {"q": "nguyen"}))
    assert "Nguyễn Văn An" in html and "Nguyễn Thị Dung" in html and "Trần Thị Bình" not in html


def test_filters_by_unit_category_tier_and_leavers(client_for, world):
    person_update(actor=SYSTEM, person=world.people["a1"], left_on=dt.date(2024, 1, 1))
    admin = client_for("admin")
    assert "Trần Thị Bình" in text(admin.get("/people/", {"unit": "00004.VP"}))
    assert "Lê Hoàng Cường" not in text(admin.get("/people/", {"unit": "00004.VP"}))
    assert "1 người" in text(admin.get("/people/", {"category": "CAN_BO"}))
    assert "1 người" in text(admin.get("/people/", {"tier": "BTV_THANH_UY"}))
    assert "Nguyễn Văn An" not in text(admin.get("/people/"))
    assert "Nguyễn Văn An" in text(admin.get("/people/", {"left": "1"}))


def test_learner_sees_only_themselves(client_for, world):
    html = text(client_for("learner").get("/people/"))
    assert "Nguyễn Văn An" in html and "1 người" in html and "Trần Thị Bình" not in html


def add_people(world, n, start=0):
    Person.objects.bulk_create([
        Person(code=f"PX{i:04d}", full_name=f"Nguyễn Thêm {i}", search_key=fold(f"Nguyễn Thêm {i}"),
               birth_date=dt.date(1990, 1, 1), gender="F", category="VIEN_CHUC", unit=world.ward_a,
               position=world.position)
        for i in range(start, start + n)
    ])


def test_people_list_query_count_is_fixed_whatever_the_page_size(client_for, world,
                                                                  django_assert_max_num_queries):
    officer = client_for("officer_a")
    officer.get("/people/")
    with CaptureQueriesContext(connection) as small:
        officer.get("/people/", {"q": "nguyen", "unit": "00004"})
    add_people(world, 120)
    for i in range(5):  # more units in the filter's choices must not mean more queries either
        unit_create(actor=SYSTEM, code=f"00004.X{i}", name=f"Tổ {i}", kind="OTHER", parent=world.ward_a)
    with django_assert_max_num_queries(len(small)):
        response = officer.get("/people/", {"q": "nguyen", "unit": "00004"})
    assert response.context["page"].paginator.count == 121
    assert len(response.context["page"].object_list) == 50
    with django_assert_max_num_queries(len(small)):
        assert len(officer.get("/people/", {"q": "nguyen", "page": "3"}).context["page"].object_list) == 21


def test_pagination_keeps_the_filters(client_for, world):
    add_people(world, 60)
    html = text(client_for("officer_a").get("/people/", {"q": "them"}))
    assert "q=them&amp;page=2" in html


def test_profile_masks_the_national_id_for_roles_without_view_sensitive(client_for, world):
    person_update(actor=SYSTEM, person=world.people["a1"], national_id="001085012345")
    assert "001085012345" in text(client_for("officer_a").get("/people/P-A1/"))
    for persona in ("viewer_a", "learner"):
        html = text(client_for(persona).get("/people/P-A1/"))
        assert "001085012345" not in html and "••••••••2345" in html


def test_profile_shows_history_across_units_credentials_and_audit(client_for, world):
    person = world.people["a1"]
    credential_add(actor=SYSTEM, person=person, dimension="POLITICAL_THEORY", level="TRUNG_CAP",
                   issued_on="2016-06-01", issuer="Trường Chính trị Tô Hiệu")
    person_transfer(actor=SYSTEM, person=person, unit=world.office_a, position=None, on=dt.date(2026, 1, 1))
    html = text(client_for("officer_a").get("/people/P-A1/"))
    assert "Trung cấp" in html and "Trường Chính trị Tô Hiệu" in html
    assert "01/01/2026" in html and "31/12/2025" in html
    assert "Điều chuyển" in html and "Tạo mới" in html and "Thêm văn bằng, chứng chỉ" in html


def test_profile_query_count_does_not_grow_with_history(client_for, world, django_assert_max_num_queries):
    officer = client_for("officer_a")
    officer.get("/people/P-A1/")
    with CaptureQueriesContext(connection) as few:
        officer.get("/people/P-A1/")
    person = world.people["a1"]
    for year in range(2011, 2021):
        credential_add(actor=SYSTEM, person=person, dimension="FOREIGN_LANGUAGE", level="BAC_2",
                       language="en", issued_on=f"{year}-01-01")
    person_transfer(actor=SYSTEM, person=person, unit=world.office_a, position=None, on=dt.date(2026, 1, 1))
    with django_assert_max_num_queries(len(few) + 1):  # + the one query naming transferred units
        officer.get("/people/P-A1/")


def test_profile_panels_of_other_apps_appear_only_when_their_url_exists(client_for, world):
    from django.urls import NoReverseMatch, reverse

    html = text(client_for("admin").get("/people/P-A1/"))
    for name in ("standards:person-gaps", "training:person-classes"):
        try:
            url = reverse(name, args=["P-A1"])
        except NoReverseMatch:
            assert f'hx-get="/{name.split(":")[0]}' not in html
        else:
            assert f'hx-get="{url}"' in html


def test_pages_carry_no_inline_script(client_for, world):
    for url in ("/units/", "/units/00004/", "/people/", "/people/P-A1/", "/people/new/",
                "/people/P-A1/transfer/"):
        html = text(client_for("admin").get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " on" + "click=" not in html


def test_every_input_has_a_label(client_for, world):
    for url in ("/people/", "/people/new/", "/people/P-A1/edit/", "/people/P-A1/credentials/new/",
                "/people/P-A1/transfer/", "/units/"):
        html = text(client_for("admin").get(url))
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
        assert ids - {"lang-select"} <= labelled, (url, ids - labelled)


def test_unit_tree_page_query_count_does_not_grow_with_units(client_for, world, django_assert_max_num_queries):
    admin = client_for("admin")
    admin.get("/units/")
    with CaptureQueriesContext(connection) as few:
        admin.get("/units/?historical=1")
    for i in range(40):
        unit_create(actor=SYSTEM, code=f"X{i}", name=f"Xã {i}", kind="COMMUNE", parent=world.city,
                    valid_to=dt.date(2025, 6, 30) if i % 2 else None, successor=world.ward_a if i % 2 else None)
    with django_assert_max_num_queries(len(few)):
        html = text(admin.get("/units/?historical=1"))
    assert "Xã 39" in html


@pytest.mark.django_db(transaction=True)
def test_list_totals_are_reused_per_viewer_and_filters_until_the_data_changes(client_for, world):
    """The people and class lists count once per viewer scope and filters; a committed change
    (a new person) shows in the next total."""
    from tests.world import _person

    admin, officer = client_for("admin"), client_for("officer_a")
    admin.get("/people/")
    with CaptureQueriesContext(connection) as again:
        first = admin.get("/people/")
    assert not [q for q in again.captured_queries if "COUNT(" in q["sql"].upper()]
    assert b"P-B1" in first.content
    # Another viewer and another filter are counted on their own, never served the admin's total.
    assert officer.get("/people/").context["page"].paginator.count < first.context["page"].paginator.count
    narrowed = admin.get("/people/", {"q": "Dung"}).context["page"].paginator.count
    assert narrowed < first.context["page"].paginator.count
    _person("P-NEW", "Lê Văn Mới", world.ward_a, world.position)
    assert admin.get("/people/").context["page"].paginator.count == first.context["page"].paginator.count + 1
    admin.get("/training/classes/")
    with CaptureQueriesContext(connection) as classes_again:
        admin.get("/training/classes/")
    assert not [q for q in classes_again.captured_queries if "COUNT(" in q["sql"].upper()]


def test_ids_first_pages_hold_the_querysets_rows_in_order_with_their_joins(world, django_assert_max_num_queries):
    from cadretrain.core.web import IdsFirst
    from cadretrain.people import selectors

    people = selectors.person_list(actor=world.actor("admin"))
    expected = list(people)
    pages = IdsFirst(people)
    assert pages.count() == len(expected) > 3
    walked = [p for start in range(0, len(expected), 3) for p in pages[start:start + 3]]
    assert [p.pk for p in walked] == [p.pk for p in expected]
    with django_assert_max_num_queries(2):  # the ids, then the rows with unit and position joined
        assert [(p.unit.code, p.position_id and p.position.code) for p in pages[0:3]] == [
            (p.unit.code, p.position_id and p.position.code) for p in expected[:3]]
