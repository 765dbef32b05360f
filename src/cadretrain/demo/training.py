"""Demo classes (2010 to a few months ahead) and their enrolments. Classes are planned first
(dates, organiser, capacity), sorted by start date, then filled from the people their organiser
would nominate; completions that grant a level add the credential unless it is already held."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from cadretrain.demo.catalogue import LHP, PROGRAMMES
from cadretrain.demo.people import Person, Weighted
from cadretrain.demo.units import REFORM_DAY, Tree
from cadretrain.domain.levels import LEVEL_RANKS, Dimension

FIRST_YEAR = 2010
CLASS_SIZE_MEAN = 40


@dataclass(slots=True)
class PlannedClass:
    id: int
    code: str
    programme_id: int
    programme: tuple  # type: ignore[type-arg]
    name: str
    organizer_id: int
    institution_id: int | None
    partner_id: int | None
    country: str
    start: dt.date
    end: dt.date
    capacity: int | None
    size: int
    cost: int
    mode: str
    status: str
    pool: str          # key of the pool people are drawn from
    seats: int = 0     # enrolments holding a seat, known once the class is filled


def holding_key(dimension: str, language: str) -> str:
    return f"{dimension}:{language}" if dimension == "FOREIGN_LANGUAGE" else dimension


def _duration(periods: int, mode: str) -> int:
    """Calendar days of a class of `periods` periods (8 a day full-time, ~3 a day in-service)."""
    per_day = 8 if mode == "TAP_TRUNG" else 6 if mode == "TRUC_TUYEN" else 3
    return max(1, min(540, round(periods / per_day * 7 / 5)))


class Pools:
    """Lists of person indexes by who would be nominated: everyone, leaders, a ward's people, a
    district's (before the reform), a department's, teachers, health workers, commune level."""

    def __init__(self, people: list[Person]) -> None:
        self.pools: dict[str, list[int]] = {"all": [], "leaders": [], "commune": [], "teacher": [],
                                            "health": []}
        for i, person in enumerate(people):
            self.pools["all"].append(i)
            if person.tier:
                self.pools["leaders"].append(i)
            if person.ward_id is not None:
                self.pools["commune"].append(i)
                self.pools.setdefault(f"ward:{person.ward_id}", []).append(i)
            if person.district_id is not None:
                self.pools.setdefault(f"district:{person.district_id}", []).append(i)
            if person.dept_id is not None:
                self.pools.setdefault(f"dept:{person.dept_id}", []).append(i)
            if person.group:
                self.pools[person.group].append(i)

    def get(self, key: str) -> list[int]:
        return self.pools.get(key) or self.pools["all"]


def plan_classes(
    rng: random.Random, tree: Tree, people: list[Person], pools: Pools, target_enrolments: int,
    today: dt.date, programme_ids: dict[str, int], institution_ids: dict[str, int],
    partners: list[tuple[int, str]],
) -> list[PlannedClass]:
    """Classes until their planned sizes reach the enrolment target, sorted by start date."""
    domestic = [p for p in PROGRAMMES if p[10] != "abroad"]
    programmes = Weighted(domestic, [p[9] for p in domestic])
    abroad_programmes = [p for p in PROGRAMMES if p[0] in ("NN-QT", "CDS-DTTM", "KN-LV", "CNKT-BTV")]
    years = list(range(FIRST_YEAR, today.year + 1))
    year_pick = Weighted(years, [1.0 + 0.06 * (y - FIRST_YEAR) for y in years])
    by_code = tree.by_code
    city_organizers = [by_code["HN.SNV"].id, by_code["HN.TU.BTC"].id, by_code["HN"].id]
    dept_ids = [d.id for d in tree.departments]
    district_ids = [d.id for d in tree.districts]
    ward_ids = [w.id for w in tree.new_units]
    counters: dict[tuple[str, int], int] = {}
    planned: list[tuple] = []  # type: ignore[type-arg]
    total = 0
    # Some planned seats stay empty (people not yet employed, or already holding the level).
    while total < target_enrolments * 1.12:
        abroad = rng.random() < 0.01
        prog = rng.choice(abroad_programmes) if abroad else programmes.pick(rng)
        code, name, kind, _gd, _gl, _lang, periods, _topics, inst_name, _w, audience = prog
        mode = "TAP_TRUNG" if abroad else rng.choices(
            ["TAP_TRUNG", "KHONG_TAP_TRUNG", "TRUC_TUYEN"], [55, 30, 15])[0]
        if periods >= 700:
            mode = "KHONG_TAP_TRUNG"
        days = _duration(periods, mode)
        # When: 85% finished, the rest running now or planned for the next months.
        when = rng.random()
        if when < 0.85:
            year = year_pick.pick(rng)
            if mode == "TRUC_TUYEN" and year < 2020:
                mode = "KHONG_TAP_TRUNG"
                days = _duration(periods, mode)
            latest = today - dt.timedelta(days=days + 1)
            start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            if start > latest:
                start = latest - dt.timedelta(days=rng.randrange(200))
        elif when < 0.91:
            start = today - dt.timedelta(days=rng.randrange(days))
        else:
            start = today + dt.timedelta(days=rng.randint(1, 200))
        end = start + dt.timedelta(days=days - 1)
        status = ("FINISHED" if end < today else "RUNNING" if start <= today
                  else "OPEN" if (start - today).days <= 60 else "PLANNED")
        before = start < REFORM_DAY
        # Who organises and whose people attend.
        institution = institution_ids.get(inst_name)
        partner = None
        country = "VN"
        if abroad:
            partner, country = rng.choice(partners)
            institution = partner
            organizer, pool = by_code["HN.TU.BTC"].id, "leaders"
        elif audience == "leaders":
            organizer, pool = rng.choice(city_organizers[:2]), "leaders"
        elif audience in ("teacher", "teachers"):
            organizer, pool = by_code["HN.SGDDT"].id, "teacher"
        elif audience == "health":
            organizer, pool = by_code["HN.SYT"].id, "health"
        else:
            draw = rng.random()
            local = 0.65 if audience == "commune" else 0.30
            if draw < local:
                if before:
                    organizer = rng.choice(district_ids)
                    pool = f"district:{organizer}"
                else:
                    organizer = rng.choice(ward_ids)
                    pool = f"ward:{organizer}"
                if institution == institution_ids.get(LHP) and rng.random() < 0.5:
                    institution = None  # held by the ward/district itself
            elif audience == "commune" or draw < 0.65:
                organizer, pool = rng.choice(city_organizers), "commune" if audience == "commune" else "all"
            else:
                organizer = rng.choice(dept_ids)
                pool = f"dept:{organizer}"
        if abroad:
            capacity = rng.choice([15, 20, 25])
        elif pool.startswith(("ward:", "district:", "dept:")):
            capacity = rng.choice([25, 30, 35, 40, 50])
        else:
            capacity = rng.choice([40, 50, 60, 80, 100, 120])
        available = len(pools.get(pool))
        size = max(1, min(capacity, round(capacity * rng.uniform(0.6, 1.0)), int(available * 0.6) or 1))
        unlimited = rng.random() < 0.04 and not abroad
        per_head = (rng.randint(60, 200) * 1_000_000) if abroad else periods * rng.randint(40, 120) * 1000
        planned.append((start, end, code, prog, name, organizer, institution, partner, country,
                        None if unlimited else capacity, size, per_head * size, mode, status, pool))
        total += size
    planned.sort(key=lambda item: (item[0], item[2]))
    classes = []
    for cid, (start, end, code, prog, name, organizer, institution, partner, country, capacity, size,
              cost, mode, status, pool) in enumerate(planned, start=1):
        n = counters[(code, start.year)] = counters.get((code, start.year), 0) + 1
        label = f"{name} - khóa {n}/{start.year}"
        if country != "VN":
            label = f"{name} tại nước ngoài ({country}) - khóa {n}/{start.year}"
        classes.append(PlannedClass(
            id=cid, code=f"{code}-{start.year}-{n:04d}", programme_id=programme_ids[code], programme=prog,
            name=label, organizer_id=organizer, institution_id=institution, partner_id=partner,
            country=country, start=start, end=end, capacity=capacity, size=size, cost=cost, mode=mode,
            status=status, pool=pool,
        ))
    return classes


PAST = (["COMPLETED", "FAILED", "WITHDRAWN"], [82, 12, 6])
RUNNING = (["ENROLLED", "WITHDRAWN"], [93, 7])
OPEN = (["NOMINATED", "ENROLLED", "WITHDRAWN"], [50, 46, 4])
PLANNED = (["NOMINATED"], [1])


def fill_classes(
    rng: random.Random, classes: list[PlannedClass], people: list[Person], pools: Pools,
    holdings: list[dict[str, int]], grants: list[tuple[int, int, PlannedClass, str]],
) -> Iterator[tuple]:  # type: ignore[type-arg]
    """Yield enrolment rows (id, class id, person id, status, score, completed_on, certificate_no,
    created day) class by class; set each class's `seats` and append (enrolment id, person
    index, class, certificate number) to `grants` for completions that grant a level.

    `holdings[i]` is person i's best rank per dimension (base credentials); it is updated with
    the levels completions grant, so nobody is granted a level they already hold."""
    eid = 1
    for klass in classes:
        prog = klass.programme
        grants_dim, grants_level, grants_lang = prog[3], prog[4], prog[5]
        key = holding_key(grants_dim, grants_lang) if grants_dim else ""
        rank = LEVEL_RANKS[Dimension(grants_dim)][grants_level] if grants_dim else 0
        pool = pools.get(klass.pool)
        draw = min(len(pool), klass.size * 3)
        chosen: list[int] = []
        for i in rng.sample(pool, draw):
            person = people[i]
            if not person.employed_on(klass.start):
                continue
            if key and holdings[i].get(key, 0) >= rank:
                continue  # nobody is sent to earn a level they already hold
            chosen.append(i)
            if len(chosen) == klass.size:
                break
        statuses, weights = {"FINISHED": PAST, "RUNNING": RUNNING, "OPEN": OPEN}.get(klass.status, PLANNED)
        picks = rng.choices(statuses, weights, k=len(chosen))
        end_iso = klass.end.isoformat()
        seats = 0
        for n, (i, status) in enumerate(zip(chosen, picks, strict=True), start=1):
            score = None
            completed = None
            certificate = ""
            if status == "COMPLETED":
                score = f"{min(10.0, rng.triangular(5.0, 10.0, 8.0)):.1f}"
                completed = end_iso
                certificate = f"{klass.code}/{n:03d}"
                if key and holdings[i].get(key, 0) < rank:
                    holdings[i][key] = rank
                    grants.append((eid, i, klass, certificate))
            elif status == "FAILED":
                score = f"{rng.uniform(0.0, 4.9):.1f}"
            if status in ("ENROLLED", "COMPLETED", "FAILED"):
                seats += 1
            yield (eid, klass.id, people[i].idx, status, score, completed, certificate, klass.start)
            eid += 1
        klass.seats = seats
