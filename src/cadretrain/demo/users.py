"""The demo's sign-ins: one user per role with one shared, documented password."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from cadretrain.demo.catalogue import LHP
from cadretrain.domain.access import Actor

# Shared by every demo login; passes the password validators. Demo data only — never production.
DEMO_PASSWORD = "demo-Hanoi-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str            # human description of what the user sees
    unit: str = ""        # unit code for unit-scoped roles
    institution: str = ""


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("admin", "CITY_ADMIN", "Toàn thành phố"),
    DemoLogin("canbo.badinh", "UNIT_OFFICER", "00004 Phường Ba Đình", unit="00004"),
    DemoLogin("canbo.ngocha", "UNIT_OFFICER", "00008 Phường Ngọc Hà", unit="00008"),
    DemoLogin("sonv", "UNIT_OFFICER", "HN.SNV Sở Nội vụ", unit="HN.SNV"),
    DemoLogin("xem.badinh", "VIEWER", "00004 Phường Ba Đình (chỉ xem)", unit="00004"),
    DemoLogin("truong.lhp", "INSTITUTION_STAFF", LHP, institution=LHP),
    DemoLogin("hocvien", "LEARNER", "Hồ sơ của một cán bộ Phường Ba Đình"),
]


def learner_person_code(unit_code: str = "00004") -> str | None:
    """A current person of the unit's subtree with the most completions, preferring one whose
    completion granted a credential (so the learner view has a certificate to show).

    Three indexed lookups over a bounded candidate list rather than one grouped join: at L/XL the
    join's plan depends on fresh statistics and took a minute when they were stale."""
    from cadretrain.org.models import OrgUnit
    from cadretrain.people.models import Credential, Person
    from cadretrain.training.models import Enrolment

    unit = OrgUnit.objects.filter(code=unit_code).first()
    if unit is None:
        return None
    candidates = dict(
        Person.objects.filter(unit__path__startswith=unit.path, left_on__isnull=True)
        .order_by("code").values_list("pk", "code")[:2000]
    )
    if not candidates:
        return None
    done = dict(
        Enrolment.objects.filter(person_id__in=list(candidates), status="COMPLETED")
        .values("person_id").annotate(n=Count("id")).values_list("person_id", "n")
    )
    granted = set(
        Credential.objects.filter(person_id__in=list(done), enrolment__isnull=False)
        .values_list("person_id", flat=True)
    )
    if not done:
        return None
    best = max(done, key=lambda pk: (pk in granted, done[pk], [-ord(ch) for ch in candidates[pk]]))
    return candidates[best]


def create_demo_users() -> list[str]:
    """Create the demo logins that do not exist yet; returns the usernames created."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.password_validation import validate_password

    from cadretrain.accounts.models import User
    from cadretrain.accounts.services import user_create

    validate_password(DEMO_PASSWORD)
    created = []
    system = Actor.system()
    for login in DEMO_LOGINS:
        if User.objects.filter(username=login.username).exists():
            continue
        person = learner_person_code() if login.role == "LEARNER" else None
        if login.role == "LEARNER" and person is None:
            continue
        user_create(actor=system, username=login.username, role=login.role, password=None,
                    unit_code=login.unit or None, institution_name=login.institution or None,
                    person_code=person)
        created.append(login.username)
    if created:
        # One hash for all (Argon2 costs ~1.5 s here); the password is public anyway.
        User.objects.filter(username__in=created).update(password=make_password(DEMO_PASSWORD))
    return created
