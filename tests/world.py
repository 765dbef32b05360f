"""A small, realistic world shared by the tests: the city, a department and two sibling wards,
people in each, and one user per persona. Built through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cadretrain.accounts.models import User
from cadretrain.accounts.services import token_create, user_create
from cadretrain.catalogue.models import Institution
from cadretrain.domain.access import Actor
from cadretrain.domain.text import fold
from cadretrain.org.models import OrgUnit, Position
from cadretrain.org.services import unit_create
from cadretrain.people.models import Person
from cadretrain.people.services import person_create

SYSTEM = Actor.system()
PASSWORD = "Mat-khau-rat-manh-2026"


@dataclass
class World:
    city: OrgUnit
    department: OrgUnit
    ward_a: OrgUnit
    ward_b: OrgUnit
    office_a: OrgUnit  # a sub-unit inside ward A
    position: Position
    institution: Institution
    people: dict[str, Person] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def actor(self, persona: str) -> Actor:
        return self.users[persona].to_actor()

    def token(self, persona: str) -> str:
        return token_create(actor=SYSTEM, user=self.users[persona])


def _person(code: str, name: str, unit: OrgUnit, position: Position, gender: str = "M",
            tier: str = "", category: str = "CONG_CHUC") -> Person:
    return person_create(
        actor=SYSTEM, code=code, unit=unit, position=position, full_name=name,
        birth_date=dt.date(1985, 5, 17), gender=gender, category=category,
        management_tier=tier, joined_on=dt.date(2010, 1, 1),
    )


def build_world() -> World:
    city = unit_create(actor=SYSTEM, code="HN", name="Thành phố Hà Nội", kind="CITY")
    department = unit_create(actor=SYSTEM, code="HN.SNV", name="Sở Nội vụ", kind="DEPARTMENT", parent=city)
    ward_a = unit_create(actor=SYSTEM, code="00004", name="Phường Ba Đình", kind="WARD", parent=city,
                         valid_from=dt.date(2025, 7, 1))
    ward_b = unit_create(actor=SYSTEM, code="00008", name="Phường Ngọc Hà", kind="WARD", parent=city,
                         valid_from=dt.date(2025, 7, 1))
    office_a = unit_create(actor=SYSTEM, code="00004.VP", name="Văn phòng HĐND-UBND phường Ba Đình",
                           kind="OTHER", parent=ward_a, valid_from=dt.date(2025, 7, 1))
    position = Position.objects.create(code="CV", name="Chuyên viên", kind="SPECIALIST")
    institution = Institution.objects.create(
        name="Trường Đào tạo cán bộ Lê Hồng Phong", search_key=fold("Trường Đào tạo cán bộ Lê Hồng Phong")
    )
    world = World(city, department, ward_a, ward_b, office_a, position, institution)
    world.people = {
        "a1": _person("P-A1", "Nguyễn Văn An", ward_a, position),
        "a2": _person("P-A2", "Trần Thị Bình", office_a, position, gender="F"),
        "a3": _person("P-A3", "Lê Hoàng Cường", ward_a, position, tier="BTV_THANH_UY", category="CAN_BO"),
        "b1": _person("P-B1", "Nguyễn Thị Dung", ward_b, position, gender="F"),
        "b2": _person("P-B2", "Phạm Quang Em", ward_b, position),
        "d1": _person("P-D1", "Hoàng Minh Giang", department, position),
    }
    world.users = {
        "admin": user_create(actor=SYSTEM, username="admin", role="CITY_ADMIN", password=PASSWORD, validate=False),
        "officer_a": user_create(actor=SYSTEM, username="officer_a", role="UNIT_OFFICER",
                                 unit_code="00004", password=PASSWORD, validate=False),
        "officer_b": user_create(actor=SYSTEM, username="officer_b", role="UNIT_OFFICER",
                                 unit_code="00008", password=PASSWORD, validate=False),
        "viewer_a": user_create(actor=SYSTEM, username="viewer_a", role="VIEWER",
                                unit_code="00004", password=PASSWORD, validate=False),
        "learner": user_create(actor=SYSTEM, username="learner", role="LEARNER",
                               person_code="P-A1", password=PASSWORD, validate=False),
        "school": user_create(actor=SYSTEM, username="school", role="INSTITUTION_STAFF",
                              institution_name=institution.name, password=PASSWORD, validate=False),
    }
    return world
