"""A seeded random population on top of the persona world: people with positions, categories and
tiers, credentials, and classes completed (some granting levels, some knowledge updates, some
neither). It records, in plain Python, the facts it created, so that tests can evaluate every
person with the pure evaluator and compare with the set-based database evaluation."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from cadretrain.catalogue.models import Programme
from cadretrain.domain.standards import Facts, Held
from cadretrain.org.models import Position
from cadretrain.people.models import Credential, Person
from cadretrain.training.models import Enrolment, TrainingClass
from cadretrain.training.summaries import refresh_person_year_periods
from tests.world import World

PROGRAMMES = [
    # code, kind, grants (dimension, level, language), periods
    ("DH", "UNDERGRADUATE", ("EDUCATION", "DAI_HOC", ""), 0),
    ("THS", "POSTGRADUATE", ("EDUCATION", "THAC_SI", ""), 0),
    ("LLCT-TC", "POLITICAL_THEORY", ("POLITICAL_THEORY", "TRUNG_CAP", ""), 0),
    ("LLCT-CC", "POLITICAL_THEORY", ("POLITICAL_THEORY", "CAO_CAP", ""), 0),
    ("LLCT-HC", "POLITICAL_THEORY", ("POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH", ""), 0),
    ("QLNN-CVC", "STATE_MANAGEMENT", ("STATE_MANAGEMENT", "CHUYEN_VIEN_CHINH", ""), 40),
    ("QLNN-CVCC", "STATE_MANAGEMENT", ("STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP", ""), 40),
    ("TA-B1", "FOREIGN_LANGUAGE", ("FOREIGN_LANGUAGE", "BAC_3", "en"), 24),
    ("CNKT", "KNOWLEDGE_UPDATE", ("", "", ""), 16),
    ("CNKT-2", "KNOWLEDGE_UPDATE", ("", "", ""), 24),
    ("NV", "PROFESSIONAL", ("", "", ""), 32),
]
LEVEL_POOL = [
    ("EDUCATION", "CAO_DANG"), ("EDUCATION", "DAI_HOC"), ("EDUCATION", "THAC_SI"),
    ("POLITICAL_THEORY", "SO_CAP"), ("POLITICAL_THEORY", "TRUNG_CAP"), ("POLITICAL_THEORY", "CAO_CAP"),
    ("POLITICAL_THEORY", "CU_NHAN"), ("POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH"),
    ("STATE_MANAGEMENT", "CHUYEN_VIEN"), ("STATE_MANAGEMENT", "CHUYEN_VIEN_CHINH"),
    ("STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP"), ("FOREIGN_LANGUAGE", "BAC_2"),
    ("FOREIGN_LANGUAGE", "BAC_4"), ("IT", "CO_BAN"),
]
POSITIONS = ["GIAM_DOC_SO", "PHO_GIAM_DOC_SO", "CHUYEN_VIEN_CAO_CAP", "VAN_PHONG_THONG_KE",
             "TU_PHAP_HO_TICH", "CHUYEN_VIEN", None]


def _day(rng: random.Random, start: int = 2012, end: int = 2026) -> dt.date:
    return dt.date(rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28))


@dataclass
class Population:
    people: list[Person] = field(default_factory=list)
    held: dict[int, list[Held]] = field(default_factory=dict)
    completions: dict[int, list[tuple[dt.date, str, int]]] = field(default_factory=dict)  # date, kind, periods

    def facts(self, person: Person, position_codes: dict[int, str]) -> Facts:
        """The person's facts as generated (not read back through the evaluation's loaders)."""
        done = self.completions.get(person.pk, [])
        periods: dict[int, int] = {}
        for day, _kind, n in done:
            periods[day.year] = periods.get(day.year, 0) + n
        return Facts(
            code=person.code, position_code=position_codes.get(person.position_id or 0, ""),
            category=person.category, management_tier=person.management_tier,
            held=tuple(self.held.get(person.pk, [])),
            knowledge_updates=tuple(d for d, kind, _ in done if kind == "KNOWLEDGE_UPDATE"),
            periods_by_year=periods,
        )


def populate(world: World, n: int, seed: int = 7) -> Population:
    """`n` more people spread over the world's units, with random qualifications and history."""
    rng = random.Random(seed)
    positions = {p.code: p for p in Position.objects.filter(code__in=[c for c in POSITIONS if c])}
    programmes = {}
    for code, kind, (gdim, glevel, glang), periods in PROGRAMMES:
        programmes[code] = Programme.objects.get_or_create(code=code, defaults={
            "name": f"Chương trình {code}", "search_key": code.lower(), "kind": kind, "grants_dimension": gdim,
            "grants_level": glevel, "grants_language": glang, "periods": periods})[0]
    classes = []
    for code, programme in programmes.items():
        for k in range(3):
            start = _day(rng, 2012, 2025)
            classes.append(TrainingClass.objects.create(
                code=f"L-{code}-{k}-{seed}", programme=programme, name=programme.name,
                search_key=programme.search_key, organizer_unit=world.city, start_date=start,
                end_date=start + dt.timedelta(days=30), status="FINISHED"))
    units = [world.department, world.ward_a, world.ward_b, world.office_a]
    pop = Population()
    creds, enrols = [], []
    for i in range(n):
        joined = _day(rng, 2000, 2020)
        left = _day(rng, 2018, 2027) if rng.random() < 0.15 else None
        if left and left < joined:
            left = None
        pos = rng.choice(POSITIONS)
        person = Person.objects.create(
            code=f"G{seed}-{i:04d}", full_name=f"Người {i}", search_key=f"nguoi {i}",
            birth_date=dt.date(1980, 1, 1), gender=rng.choice("MF"),
            category=rng.choice(["CAN_BO", "CONG_CHUC", "CONG_CHUC", "VIEN_CHUC", "HOP_DONG_LAO_DONG"]),
            management_tier=rng.choice(["", "", "BTV_THANH_UY", "DON_VI"]), unit=rng.choice(units),
            position=positions.get(pos) if pos else None, joined_on=joined, left_on=left,
        )
        pop.people.append(person)
        pop.held[person.pk] = []
        for dim, level in rng.sample(LEVEL_POOL, rng.randint(0, 4)):
            lang = rng.choice(["en", "fr"]) if dim == "FOREIGN_LANGUAGE" else ""
            day = _day(rng)
            creds.append(Credential(person=person, dimension=dim, level=level, language=lang, issued_on=day))
            pop.held[person.pk].append(Held(dim, level, day, lang, "credential"))
        pop.completions[person.pk] = []
        for klass in rng.sample(classes, rng.randint(0, 5)):
            status = rng.choice(["COMPLETED", "COMPLETED", "COMPLETED", "FAILED", "ENROLLED", "WITHDRAWN"])
            done = _day(rng, 2016, 2026) if status == "COMPLETED" else None
            enrols.append(Enrolment(training_class=klass, person=person, status=status, completed_on=done))
            if done:
                p = klass.programme
                pop.completions[person.pk].append((done, p.kind, p.periods))
                if p.grants_level:
                    pop.held[person.pk].append(Held(p.grants_dimension, p.grants_level, done,
                                                    p.grants_language, "completion"))
    Credential.objects.bulk_create(creds)
    Enrolment.objects.bulk_create(enrols)
    # (refresh, not rebuild: rebuild_person_year_periods writes year 0 on SQLite — reported.)
    refresh_person_year_periods(p.pk for p in pop.people)
    return pop
