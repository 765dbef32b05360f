"""Generated training data for the reports tests, built through the ORM on top of the persona
world, plus the from-scratch oracles every figure is checked against."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from cadretrain.catalogue.models import Institution, Programme
from cadretrain.domain.text import fold
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Person
from cadretrain.training.models import Enrolment, TrainingClass
from cadretrain.training.signals import enrolments_changed
from tests.world import World

STATUSES = ["NOMINATED", "ENROLLED", "COMPLETED", "FAILED", "WITHDRAWN"]

PROGRAMMES = [
    # code, name, kind, dimension, level, periods
    ("LLCT-CC", "Cao cấp lý luận chính trị", "POLITICAL_THEORY", "POLITICAL_THEORY", "CAO_CAP", 1600),
    ("LLCT-TC", "Trung cấp lý luận chính trị", "POLITICAL_THEORY", "POLITICAL_THEORY", "TRUNG_CAP", 800),
    ("QLNN-CV", "Quản lý nhà nước ngạch chuyên viên", "STATE_MANAGEMENT", "STATE_MANAGEMENT", "CHUYEN_VIEN", 200),
    ("CNKT-3", "Cập nhật kiến thức đối tượng 3", "KNOWLEDGE_UPDATE", "", "", 40),
    ("QPAN-4", "Bồi dưỡng kiến thức quốc phòng và an ninh đối tượng 4", "DEFENCE_SECURITY", "", "", 80),
    ("NN-B1", "Tiếng Anh bậc 3", "FOREIGN_LANGUAGE", "FOREIGN_LANGUAGE", "BAC_3", 150),
    ("TH-CB", "Tin học cơ bản", "IT", "IT", "CO_BAN", 60),
    ("DH-LK", "Đại học luật", "UNDERGRADUATE", "EDUCATION", "DAI_HOC", 2000),
    ("THS", "Thạc sĩ quản lý công", "POSTGRADUATE", "EDUCATION", "THAC_SI", 1500),
    ("XDD", "Nghiệp vụ công tác xây dựng Đảng", "PARTY_BUILDING", "", "", 40),
    ("QLKT", "Bồi dưỡng quản lý kinh tế", "PROFESSIONAL", "", "", 40),
]


def programmes() -> dict[str, Programme]:
    out = {}
    for code, name, kind, dim, level, periods in PROGRAMMES:
        out[code] = Programme.objects.create(
            code=code, name=name, search_key=fold(name), kind=kind, grants_dimension=dim,
            grants_level=level, periods=periods,
        )
    return out


def make_class(code: str, programme: Programme, unit: OrgUnit, start: dt.date, *, country: str = "VN",
               mode: str = "TAP_TRUNG", institution: Institution | None = None,
               partner: Institution | None = None) -> TrainingClass:
    return TrainingClass.objects.create(
        code=code, programme=programme, name=programme.name, search_key=fold(programme.name),
        organizer_unit=unit, start_date=start, end_date=start + dt.timedelta(days=30), country=country,
        mode=mode, institution=institution, partner=partner, status="RUNNING",
    )


def enrol(tc: TrainingClass, person: Person, status: str = "ENROLLED") -> Enrolment:
    """Direct write plus the signal, as the importer and the demo generator do."""
    completed_on = tc.end_date if status == "COMPLETED" else None
    e = Enrolment.objects.create(training_class=tc, person=person, status=status, completed_on=completed_on)
    enrolments_changed.send(sender=Enrolment, person_ids={person.pk}, class_ids={tc.pk})
    return e


@dataclass
class Dataset:
    programmes: dict[str, Programme]
    classes: list[TrainingClass] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


def random_dataset(world: World, rng: random.Random, *, extra_people: int = 12, classes: int = 14,
                   years: tuple[int, int] = (2023, 2026)) -> Dataset:
    """People in every world unit, classes of every kind in several years, random enrolments."""
    from cadretrain.people.services import person_create
    from tests.world import SYSTEM

    progs = programmes()
    units = [world.city, world.department, world.ward_a, world.ward_b, world.office_a]
    people = list(world.people.values())
    tiers = ["", "", "DON_VI", "BTV_THANH_UY", "BCT_BBT"]
    for i in range(extra_people):
        people.append(person_create(
            actor=SYSTEM, code=f"G-{i:03d}", unit=rng.choice(units), position=world.position,
            full_name=f"Người Thử {i}", birth_date=dt.date(1980, 1, 1), gender=rng.choice("MF"),
            category=rng.choice(["CAN_BO", "CONG_CHUC", "VIEN_CHUC"]), management_tier=rng.choice(tiers),
            joined_on=dt.date(2005, 1, 1), left_on=rng.choice([None, None, None, dt.date(2025, 3, 1)]),
        ))
    partner = Institution.objects.create(name="Đại học Quốc gia Singapore", search_key="nus", country="SG",
                                         is_partner=True)
    ds = Dataset(progs, people=people)
    for i in range(classes):
        prog = rng.choice(list(progs.values()))
        start = dt.date(rng.randint(*years), rng.randint(1, 12), rng.randint(1, 28))
        country = rng.choice(["VN", "VN", "VN", "SG"])
        tc = make_class(f"L-{i:03d}", prog, rng.choice(units), start, country=country,
                        mode=rng.choice(["TAP_TRUNG", "KHONG_TAP_TRUNG"]),
                        institution=world.institution if rng.random() < 0.5 else None,
                        partner=partner if country != "VN" or rng.random() < 0.2 else None)
        ds.classes.append(tc)
        # One signal per class, as the importer and results_finalise do for a batch.
        chosen = rng.sample(people, rng.randint(0, min(8, len(people))))
        for person in chosen:
            status = rng.choice(STATUSES)
            Enrolment.objects.create(training_class=tc, person=person, status=status,
                                     completed_on=tc.end_date if status == "COMPLETED" else None)
        if chosen:
            enrolments_changed.send(sender=Enrolment, person_ids={p.pk for p in chosen}, class_ids={tc.pk})
    return ds


# --- oracles ---------------------------------------------------------------------------------

LLCT_HIGH = {"CAO_CAP", "CU_NHAN", "CAO_CAP_LLCT_HANH_CHINH"}


def series_of(kind: str, level: str) -> str:
    if kind == "POLITICAL_THEORY" and level in LLCT_HIGH:
        return "LLCT_CAO_CAP"
    if kind == "POLITICAL_THEORY" and level == "TRUNG_CAP":
        return "LLCT_TRUNG_CAP"
    return kind


def raw_rows() -> list[dict]:
    return list(Enrolment.objects.values(
        "person_id", "status", "training_class_id", "person__unit_id", "training_class__start_date",
        "training_class__programme_id", "training_class__country", "training_class__programme__kind",
        "training_class__programme__grants_level", "training_class__programme__periods",
    ))


def oracle_cube() -> tuple[dict, dict]:
    """SummaryCell and LearnerCell recomputed in Python from the raw rows."""
    cells: dict[tuple, dict] = {}
    sets: dict[tuple, dict[str, set]] = defaultdict(lambda: {"classes": set(), "learners": set()})
    learner_sets: dict[tuple, set] = defaultdict(set)
    for r in raw_rows():
        year = r["training_class__start_date"].year
        abroad = r["training_class__country"] != "VN"
        for unit in (r["person__unit_id"], None):
            key = (unit, year, r["training_class__programme_id"], abroad)
            c = cells.setdefault(key, {"enrolments": 0, "nominated": 0, "enrolled": 0, "completed": 0, "failed": 0,
                                            "withdrawn": 0, "periods": 0})
            st = r["status"]
            c[st.lower()] += 1
            if st != "WITHDRAWN":
                c["enrolments"] += 1
                sets[key]["learners"].add(r["person_id"])
                if unit is not None:
                    sets[key]["classes"].add(r["training_class_id"])
            if st == "COMPLETED":
                c["periods"] += r["training_class__programme__periods"]
            if st != "WITHDRAWN":
                kind, level = r["training_class__programme__kind"], r["training_class__programme__grants_level"]
                series = [series_of(kind, level), "ALL", f"K:{kind}:{level}"]
                if abroad:
                    series.append("ABROAD")
                for s in series:
                    learner_sets[(unit, year, s)].add(r["person_id"])
    for tc in TrainingClass.objects.values("id", "start_date", "programme_id", "country"):
        key = (None, tc["start_date"].year, tc["programme_id"], tc["country"] != "VN")
        cells.setdefault(key, {"enrolments": 0, "nominated": 0, "enrolled": 0, "completed": 0, "failed": 0,
                                   "withdrawn": 0, "periods": 0})
        sets[key]["classes"].add(tc["id"])
    for key, c in cells.items():
        c["classes"] = len(sets[key]["classes"])
        c["learners"] = len(sets[key]["learners"])
    return cells, {k: len(v) for k, v in learner_sets.items()}


def cube_tables() -> tuple[dict, dict]:
    from cadretrain.reports.models import LearnerCell, SummaryCell

    fields = ["enrolments", "nominated", "enrolled", "completed", "failed", "withdrawn", "periods",
              "classes", "learners"]
    cells = {
        (r["unit_id"], r["year"], r["programme_id"], bool(r["abroad"])): {f: r[f] for f in fields}
        for r in SummaryCell.objects.values("unit_id", "year", "programme_id", "abroad", *fields)
    }
    learners = {(r.unit_id, r.year, r.series): r.learners for r in LearnerCell.objects.all()}
    return cells, learners


def oracle_person_cells() -> dict[tuple, tuple]:
    """PersonCell recomputed in Python: each person's enrolments per year × programme × abroad."""
    out: dict[tuple, list[int]] = {}
    slot = {"NOMINATED": 1, "ENROLLED": 2, "COMPLETED": 3, "FAILED": 4, "WITHDRAWN": 5}
    for r in raw_rows():
        key = (r["person_id"], r["training_class__start_date"].year, r["training_class__programme_id"],
               r["training_class__country"] != "VN")
        v = out.setdefault(key, [0] * 7)
        v[slot[r["status"]]] += 1
        if r["status"] != "WITHDRAWN":
            v[0] += 1
        if r["status"] == "COMPLETED":
            v[6] += r["training_class__programme__periods"]
    return {k: tuple(v) for k, v in out.items()}


def person_cells() -> dict[tuple, tuple]:
    from cadretrain.reports.models import PersonCell

    sums = ["enrolments", "nominated", "enrolled", "completed", "failed", "withdrawn", "periods"]
    return {(r["person_id"], r["year"], r["programme_id"], bool(r["abroad"])): tuple(r[f] for f in sums)
            for r in PersonCell.objects.values("person_id", "year", "programme_id", "abroad", *sums)}


def open_class_of_ward_b(world: World, programme: Programme, start: dt.date, code: str) -> TrainingClass:
    """A class of ward B open for nominations, with one ward B learner: every officer may see it
    (to nominate), but it is not ward A's and must not count in ward A's reports."""
    tc = make_class(code, programme, world.ward_b, start)
    TrainingClass.objects.filter(pk=tc.pk).update(status="OPEN")
    enrol(tc, world.people["b1"], "ENROLLED")
    return tc
