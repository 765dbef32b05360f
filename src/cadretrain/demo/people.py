"""Demo people: where they work, their titles, names, dates, assignment history and the
credentials they held before any class of the demo. Pure Python driven by one random.Random."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from importlib import resources

from cadretrain.demo.units import LAST_OLD_DAY, REFORM_DAY, Tree, Unit, read_csv
from cadretrain.domain.levels import LEVEL_RANKS, Dimension
from cadretrain.domain.text import clean_text, fold


class Weighted:
    """Draw from a fixed weighted list in O(log n) (random.choices recomputes sums each call)."""

    def __init__(self, items: list, weights: list[float]) -> None:  # type: ignore[type-arg]
        self.items = items
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):  # type: ignore[no-untyped-def]
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# Surnames outside the top 14 (≈ 10.8% of people), common in the North.
OTHER_SURNAMES = [
    "Đinh", "Trương", "Mai", "Trịnh", "Đoàn", "Cao", "Lưu", "Chu", "Khuất", "Kiều", "Tạ", "Hà",
    "Triệu", "Quách", "Lương", "Nghiêm", "Phùng", "Tô", "Lại", "Lâm", "Văn", "Thái", "Nông", "Đào",
]
MALE_MIDDLE = Weighted(
    ["Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Mạnh", "Tuấn", "Thanh", "Ngọc", "Duy", "Công",
     "Trọng", "Đình", "Hoàng", "Việt", "Anh"],
    [40, 9, 7, 5, 5, 4, 3, 3, 4, 3, 3, 3, 3, 3, 2, 2, 2],
)
FEMALE_MIDDLE = Weighted(
    ["Thị", "Thu", "Thanh", "Ngọc", "Minh", "Phương", "Hồng", "Lan", "Mai", "Hải", "Kim", "Thúy",
     "Diệu", "Bích"],
    [45, 7, 7, 6, 4, 4, 4, 3, 3, 3, 3, 3, 2, 2],
)
ETHNICITIES = Weighted(["Kinh", "Mường", "Tày", "Dao", "Thái", "Nùng", "Hoa", "Sán Dìu"],
                       [955, 20, 8, 6, 4, 3, 3, 1])


def _lines(name: str) -> list[str]:
    text = resources.files("cadretrain.data").joinpath("names", name).read_text(encoding="utf-8")
    return [clean_text(line) for line in text.splitlines() if line.strip()]


class NameMaker:
    """Vietnamese names "Họ Đệm Tên": weighted surname, gendered middle name, given name."""

    def __init__(self) -> None:
        rows = read_csv("names/surnames_vn_top14.csv")
        names = [clean_text(r["northern_form"]) for r in rows]
        shares = [float(r["share_percent"]) for r in rows]
        tail = max(0.0, 100.0 - sum(shares)) / len(OTHER_SURNAMES)
        self.surnames = Weighted(names + OTHER_SURNAMES, shares + [tail] * len(OTHER_SURNAMES))
        self.boy_pairs = _lines("boy.txt")
        self.girl_pairs = _lines("girl.txt")
        self.boy_given = _lines("boy_one_word.txt")
        self.girl_given = _lines("girl_one_word.txt")

    def make(self, rng: random.Random, gender: str) -> tuple[str, str]:
        """(full name, given name)"""
        surname = self.surnames.pick(rng)
        male = gender == "M"
        if rng.random() < 0.15:
            # A two-syllable "middle given" pair from the name lists ("An Khang").
            pair = rng.choice(self.boy_pairs if male else self.girl_pairs)
            given = pair.split(" ")[-1]
            return clean_text(f"{surname} {pair}"), given
        middle = (MALE_MIDDLE if male else FEMALE_MIDDLE).pick(rng)
        given = rng.choice(self.boy_given if male else self.girl_given)
        return clean_text(f"{surname} {middle} {given}"), given


@dataclass(slots=True)
class Person:
    idx: int                      # database id
    home: Unit                    # current unit
    ward_id: int | None = None    # the new commune-level unit whose subtree holds `home`
    dept_id: int | None = None    # department / Party body subtree
    district_id: int | None = None  # district before the reform (commune-level people)
    old_unit_id: int | None = None  # pre-reform unit (commune-level people)
    position: str = ""
    category: str = ""
    tier: str = ""
    rank: str = ""
    leader: bool = False
    group: str = ""               # "teacher" | "health" | "" (audience of some programmes)
    code: str = ""
    full_name: str = ""
    gender: str = "M"
    birth: dt.date = dt.date(1980, 1, 1)
    joined: dt.date = dt.date(2005, 1, 1)
    left: dt.date | None = None
    party: bool = False
    ethnicity: str = "Kinh"
    national_id: str = ""
    email: str = ""
    phone: str = ""
    assignments: list[tuple[int, str, dt.date, dt.date | None]] = field(default_factory=list)

    def employed_on(self, day: dt.date) -> bool:
        return self.joined <= day and (self.left is None or self.left > day)


# Per unit kind: leaders first (position, category, tier), then the staff mix.
COMMUNE_LEADERS = [
    ("BI_THU_DANG_UY_XA", "CAN_BO", "BTV_THANH_UY"),
    ("CHU_TICH_UBND_XA", "CAN_BO", "BTV_THANH_UY"),
    ("PHO_CHU_TICH_UBND_XA", "CAN_BO", "DON_VI"),
    ("CHU_TICH_HDND_XA", "CAN_BO", "DON_VI"),
    ("PHO_CHU_TICH_UBND_XA", "CAN_BO", "DON_VI"),
    ("CHU_TICH_MTTQ_XA", "CAN_BO", "DON_VI"),
]
OFFICE_LEADERS = [("TRUONG_PHONG", "CONG_CHUC", "DON_VI"), ("PHO_TRUONG_PHONG", "CONG_CHUC", "DON_VI"),
                  ("PHO_TRUONG_PHONG", "CONG_CHUC", "DON_VI")]
SCHOOL_LEADERS = [("HIEU_TRUONG", "VIEN_CHUC", "DON_VI"), ("PHO_HIEU_TRUONG", "VIEN_CHUC", "DON_VI"),
                  ("PHO_HIEU_TRUONG", "VIEN_CHUC", "DON_VI")]
STATION_LEADERS = [("TRAM_TRUONG_TYT", "VIEN_CHUC", "DON_VI")]
PSU_LEADERS = [("GIAM_DOC_DVSN", "VIEN_CHUC", "DON_VI"), ("PHO_GIAM_DOC_DVSN", "VIEN_CHUC", "DON_VI"),
               ("PHO_GIAM_DOC_DVSN", "VIEN_CHUC", "DON_VI")]
DEPARTMENT_LEADERS = (
    [("GIAM_DOC_SO", "CONG_CHUC", "BTV_THANH_UY")]
    + [("PHO_GIAM_DOC_SO", "CONG_CHUC", "BTV_THANH_UY")] * 3
    + [("TRUONG_PHONG", "CONG_CHUC", "DON_VI")] * 6
    + [("PHO_TRUONG_PHONG", "CONG_CHUC", "DON_VI")] * 8
)
PARTY_LEADERS = (
    [("TRUONG_BAN_TU", "CAN_BO", "BTV_THANH_UY")]
    + [("PHO_TRUONG_BAN_TU", "CAN_BO", "BTV_THANH_UY")] * 2
    + [("TRUONG_PHONG", "CONG_CHUC", "DON_VI")] * 3
    + [("PHO_TRUONG_PHONG", "CONG_CHUC", "DON_VI")] * 3
)
CITY_PARTY_LEADERS = [("BI_THU_THANH_UY", "CAN_BO", "BCT_BBT")] + PARTY_LEADERS

OFFICE_POSITIONS = {
    "VP": ["VAN_PHONG_THONG_KE", "TU_PHAP_HO_TICH", "CHUYEN_VIEN", "CHI_HUY_TRUONG_QUAN_SU"],
    "KT": ["DIA_CHINH_XAY_DUNG", "TAI_CHINH_KE_TOAN", "CHUYEN_VIEN"],
    "VHXH": ["VAN_HOA_XA_HOI", "CHUYEN_VIEN"],
}
CIVIL_RANKS = Weighted(["01.003", "01.002", "01.004", "01.001"], [70, 18, 10, 2])
EMPLOYEE_RANKS = Weighted(["HANG_III", "HANG_II", "HANG_IV", "HANG_I"], [55, 28, 12, 5])
RANK_POSITION = {"01.003": "CHUYEN_VIEN", "01.002": "CHUYEN_VIEN_CHINH", "01.001": "CHUYEN_VIEN_CAO_CAP",
                 "01.004": "CAN_SU", "01.005": "NHAN_VIEN_HANH_CHINH"}
TEACHER_POSITION = {"HANG_I": "GIAO_VIEN_HANG_I", "HANG_II": "GIAO_VIEN_HANG_II",
                    "HANG_III": "GIAO_VIEN_HANG_III", "HANG_IV": "GIAO_VIEN_HANG_III"}
HEALTH_POSITIONS = Weighted(["BAC_SI", "BAC_SI_CHINH", "Y_SI", "DIEU_DUONG", "DUOC_SI"], [30, 8, 20, 35, 7])
SUPPORT_POSITIONS = ["NHAN_VIEN_HANH_CHINH", "VAN_THU", "LAI_XE", "BAO_VE"]


def _is_health(unit: Unit) -> bool:
    return unit.code.endswith(".TYT") or ".BV" in unit.code or unit.code.endswith(".CDC")


FEATURED_WARDS = ("00004", "00008")


def zipf_weights(rng: random.Random, n: int, exponent: float = 0.9) -> list[float]:
    """Zipf-like sizes in a shuffled order (big and small units are spread around)."""
    weights = [1.0 / (rank**exponent) for rank in range(1, n + 1)]
    rng.shuffle(weights)
    return weights


def place_people(rng: random.Random, tree: Tree, n: int) -> list[Person]:
    """Choose each person's current unit: ~85% at commune level, the rest in departments, their
    service units and Party bodies, with Zipf-like unit sizes."""
    ward_weights = zipf_weights(rng, len(tree.new_units), 0.8)
    for i, unit in enumerate(tree.new_units):
        if unit.code in FEATURED_WARDS:
            # The demo logins look at these two wards: make them big ones.
            ward_weights[i] = 1.0
    wards = Weighted(tree.new_units, ward_weights)
    depts = Weighted(tree.departments, zipf_weights(rng, len(tree.departments), 0.9))
    party = Weighted(tree.party, zipf_weights(rng, len(tree.party), 0.7))
    people: list[Person] = []
    for idx in range(1, n + 1):
        draw = rng.random()
        if draw < 0.85:
            ward = wards.pick(rng)
            children = tree.ward_children[ward.id]
            sub = rng.random()
            if sub < 0.30:
                home = ward
            elif sub < 0.70:
                home = children[rng.randrange(3)]        # the three offices
            elif sub < 0.88:
                home = children[3]                        # the school
            else:
                home = children[4]                        # the health station
            people.append(Person(idx=idx, home=home, ward_id=ward.id))
        elif draw < 0.96:
            dept = depts.pick(rng)
            children = tree.department_children[dept.id]
            home = rng.choice(children) if children and rng.random() < 0.45 else dept
            people.append(Person(idx=idx, home=home, dept_id=dept.id))
        else:
            body = party.pick(rng)
            top = body
            while top.parent is not None and top.parent.code != "HN":
                top = top.parent
            people.append(Person(idx=idx, home=body, dept_id=top.id))
    return people


def assign_titles(rng: random.Random, people: list[Person]) -> None:
    """Leaders first in each unit (in id order), then the staff mix of the unit's kind."""
    by_unit: dict[int, list[Person]] = {}
    for person in people:
        by_unit.setdefault(person.home.id, []).append(person)
    for members in by_unit.values():
        unit = members[0].home
        suffix = unit.code.rsplit(".", 1)[-1]
        if unit.kind in ("WARD", "COMMUNE") and unit.valid_from == REFORM_DAY:
            leaders = COMMUNE_LEADERS
        elif unit.kind == "OTHER" and suffix in OFFICE_POSITIONS:
            leaders = OFFICE_LEADERS
        elif unit.kind == "SCHOOL":
            leaders = SCHOOL_LEADERS
        elif unit.code.endswith(".TYT"):
            leaders = STATION_LEADERS
        elif unit.kind == "PUBLIC_SERVICE_UNIT":
            leaders = PSU_LEADERS
        elif unit.kind == "DEPARTMENT":
            leaders = DEPARTMENT_LEADERS
        elif unit.code == "HN.TU":
            leaders = CITY_PARTY_LEADERS
        else:
            leaders = PARTY_LEADERS
        # Small units have fewer leaders: one per four members, at least the head.
        n_leaders = min(len(leaders), max(1, len(members) // 4))
        for i, person in enumerate(members):
            if i < n_leaders:
                person.position, person.category, person.tier = leaders[i]
                person.leader = True
                if person.category == "VIEN_CHUC":
                    person.rank = rng.choice(["HANG_I", "HANG_II", "HANG_II"])
                else:
                    person.rank = rng.choice(["01.001", "01.002", "01.002"]) if person.tier == "BTV_THANH_UY" \
                        or person.tier == "BCT_BBT" else rng.choice(["01.002", "01.003"])
                if unit.kind == "SCHOOL":
                    person.group = "teacher"
                elif _is_health(unit):
                    person.group = "health"
                continue
            _staff(rng, person, unit, suffix)


def _staff(rng: random.Random, person: Person, unit: Unit, suffix: str) -> None:
    draw = rng.random()
    if unit.kind in ("WARD", "COMMUNE"):
        if draw < 0.45:
            person.category, person.position = "KHONG_CHUYEN_TRACH", "KHONG_CHUYEN_TRACH"
        elif draw < 0.75:
            person.category, person.rank = "CAN_BO", CIVIL_RANKS.pick(rng)
            person.position = RANK_POSITION[person.rank]
        else:
            person.category, person.position = "HOP_DONG_LAO_DONG", rng.choice(SUPPORT_POSITIONS)
        return
    if unit.kind == "SCHOOL" or _is_health(unit) or unit.kind == "PUBLIC_SERVICE_UNIT":
        if draw < 0.10:
            person.category, person.position = "HOP_DONG_LAO_DONG", rng.choice(SUPPORT_POSITIONS)
            return
        person.category, person.rank = "VIEN_CHUC", EMPLOYEE_RANKS.pick(rng)
        if unit.kind == "SCHOOL":
            person.group = "teacher"
            person.position = TEACHER_POSITION[person.rank]
        elif _is_health(unit):
            person.group = "health"
            person.position = HEALTH_POSITIONS.pick(rng)
        elif unit.code == "HN.TU.LHP":
            person.position = "GIANG_VIEN"
        else:
            person.position = rng.choice(["KY_SU", "LUU_TRU_VIEN", "KE_TOAN_VIEN"])
        return
    if draw < 0.08:
        person.category, person.position = "HOP_DONG_LAO_DONG", rng.choice(SUPPORT_POSITIONS)
        return
    person.category, person.rank = "CONG_CHUC", CIVIL_RANKS.pick(rng)
    if suffix in OFFICE_POSITIONS and person.rank in ("01.003", "01.004"):
        person.position = rng.choice(OFFICE_POSITIONS[suffix])
    elif unit.code == "HN.TTRA" and rng.random() < 0.6:
        person.position = "THANH_TRA_VIEN"
    else:
        person.position = RANK_POSITION[person.rank]


def _birth(rng: random.Random, leader: bool) -> dt.date:
    # Commune-level age profile (VNA, 31 Dec 2024): <45 59%, 45–55 31%, >55 10%.
    if leader:
        year = rng.randint(1966, 1985)
    else:
        draw = rng.random()
        year = rng.randint(1980, 2003) if draw < 0.59 else rng.randint(1970, 1979) if draw < 0.90 \
            else rng.randint(1964, 1969)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def fill_identity(rng: random.Random, people: list[Person], today: dt.date) -> None:
    """Names, gender, dates, party membership, identifiers and contacts."""
    names = NameMaker()
    width = max(6, len(str(len(people))))
    serials: dict[str, int] = {}
    for person in people:
        female_share = 0.70 if person.group == "teacher" else 0.60 if person.group == "health" else 0.42
        if person.leader:
            female_share = 0.25
        person.gender = "F" if rng.random() < female_share else "M"
        person.full_name, given = names.make(rng, person.gender)
        person.code = f"CB{person.idx:0{width}d}"
        person.birth = _birth(rng, person.leader)
        earliest = person.birth.replace(year=person.birth.year + 21) if person.birth.month != 2 \
            or person.birth.day != 29 else dt.date(person.birth.year + 21, 3, 1)
        latest_age = 27 if person.leader else 35
        latest = min(today - dt.timedelta(days=30), earliest + dt.timedelta(days=365 * (latest_age - 21)))
        span = max(0, (latest - earliest).days)
        person.joined = earliest + dt.timedelta(days=rng.randrange(span + 1))
        if not person.leader and rng.random() < 0.03:
            stay = (today - person.joined).days
            if stay > 400:
                person.left = person.joined + dt.timedelta(days=rng.randrange(365, stay))
        person.party = rng.random() < (
            1.0 if person.leader else 0.92 if person.category == "CAN_BO" else 0.62
            if person.category == "CONG_CHUC" else 0.35 if person.category == "VIEN_CHUC" else 0.15
        )
        person.ethnicity = ETHNICITIES.pick(rng)
        # CCCD: province 001 (Hà Nội), gender-and-century digit, year of birth, serial.
        century = 0 if person.birth.year < 2000 else 2
        bucket = f"{century + (1 if person.gender == 'F' else 0)}{person.birth.year % 100:02d}"
        serial = serials.get(bucket, rng.randrange(1_000_000))
        serials[bucket] = (serial + 7919) % 1_000_000
        person.national_id = f"001{bucket}{serial:06d}"
        slug = fold(given).replace(" ", "")
        person.email = f"{slug}.{person.code.lower()}@hanoi.gov.vn"
        person.phone = f"09{rng.randrange(10**8):08d}"


def build_history(rng: random.Random, tree: Tree, people: list[Person], today: dt.date) -> None:
    """Assignments: commune-level people employed before the reform worked at one of their new
    unit's predecessors (or its district) until 2025-06-30; some people moved earlier too."""
    by_id = {u.id: u for u in tree.units}
    for person in people:
        end = person.left - dt.timedelta(days=1) if person.left else None
        position = person.position
        if person.ward_id is not None:
            ward = by_id[person.ward_id]
            preds = ward.predecessors
            if person.home.kind in ("WARD", "COMMUNE", "OTHER") and preds and rng.random() < 0.75:
                old = by_id[rng.choice(preds)]
                district = old.district_id
            else:
                first = by_id[preds[0]] if preds else tree.old_communes[0]
                old = by_id[first.district_id or 0]
                district = old.id
            person.old_unit_id, person.district_id = old.id, district
            if person.joined < REFORM_DAY:
                start = person.joined
                if person.joined.year < 2018 and rng.random() < 0.15:
                    # An earlier move from another commune of the same district.
                    moved = start + dt.timedelta(days=rng.randrange(700, max(701, (REFORM_DAY - start).days - 30)))
                    moved = min(moved, REFORM_DAY - dt.timedelta(days=30))
                    sibling = rng.choice([u for u in tree.old_communes if u.district_id == district] or [old])
                    stop = moved - dt.timedelta(days=1)
                    if end is not None and end <= stop:
                        person.assignments.append((sibling.id, position, start, end))
                        person.home = sibling
                        continue
                    person.assignments.append((sibling.id, position, start, stop))
                    start = moved
                old_end = LAST_OLD_DAY if end is None or end >= LAST_OLD_DAY else end
                person.assignments.append((old.id, position, start, old_end))
                if end is not None and end <= LAST_OLD_DAY:
                    person.home = old                     # left before the reform
                    continue
                person.assignments.append((person.home.id, position, REFORM_DAY, end))
            else:
                person.assignments.append((person.home.id, position, person.joined, end))
            continue
        start = person.joined
        if person.joined.year < 2016 and rng.random() < 0.10:
            # Came to the city's departments from a district.
            district = rng.choice(tree.districts)
            moved = start + dt.timedelta(days=rng.randrange(700, max(701, (dt.date(2024, 1, 1) - start).days)))
            stop = moved - dt.timedelta(days=1)
            if end is not None and end <= stop:
                person.assignments.append((district.id, "CHUYEN_VIEN", start, end))
                person.home = district
                continue
            person.assignments.append((district.id, "CHUYEN_VIEN", start, stop))
            person.district_id = district.id
            start = moved
        person.assignments.append((person.home.id, position, start, end))


# ---------------------------------------------------------------------------------------------
# Credentials held before the demo's classes.

ISSUER_LLCT = {
    "SO_CAP": "Trung tâm Chính trị cấp huyện",
    "TRUNG_CAP": "Trường Đào tạo cán bộ Lê Hồng Phong",
    "CAO_CAP": "Học viện Chính trị quốc gia Hồ Chí Minh",
    "CU_NHAN": "Học viện Chính trị quốc gia Hồ Chí Minh",
}
LANGUAGES = Weighted(["en", "fr", "zh", "ru", "ja", "ko"], [84, 5, 5, 3, 2, 1])


def _years_after(rng: random.Random, day: dt.date, low: int, high: int, cap: dt.date) -> dt.date:
    out = day + dt.timedelta(days=rng.randrange(365 * low, 365 * high + 1))
    return min(out, cap)


def base_credentials(rng: random.Random, person: Person, today: dt.date, catalog_no: itertools.count):  # type: ignore[no-untyped-def,type-arg]
    """Yield (dimension, level, language, field, issued_on, issuer, certificate_no) rows."""
    from cadretrain.demo.catalogue import FIELDS_OF_STUDY, UNIVERSITIES

    cap = person.left or today
    commune = person.ward_id is not None
    age22 = person.birth + dt.timedelta(days=365 * 22 + 5)
    casual = person.category in ("KHONG_CHUYEN_TRACH", "HOP_DONG_LAO_DONG")
    # Education: commune level ~92% university or higher.
    draw = rng.random()
    if person.leader:
        edu = "TIEN_SI" if draw < 0.06 else "THAC_SI" if draw < 0.5 else "DAI_HOC"
    elif casual:
        edu = "DAI_HOC" if draw < 0.55 else "CAO_DANG" if draw < 0.8 else "DUOI_CAO_DANG"
    elif commune:
        edu = "THAC_SI" if draw < 0.10 else "DAI_HOC" if draw < 0.93 else "CAO_DANG" if draw < 0.98 \
            else "DUOI_CAO_DANG"
    else:
        edu = "TIEN_SI" if draw < 0.03 else "THAC_SI" if draw < 0.30 else "DAI_HOC" if draw < 0.97 else "CAO_DANG"
    if rng.random() > 0.02:  # ~2% with no degree on file (a data gap)
        university = rng.choice(UNIVERSITIES)
        subject = rng.choice(FIELDS_OF_STUDY)
        first = "DAI_HOC" if LEVEL_RANKS[Dimension.EDUCATION][edu] >= 3 else edu
        first_day = min(age22, cap)
        yield ("EDUCATION", first, "", subject, first_day, university, f"ĐH{next(catalog_no):07d}")
        if edu in ("THAC_SI", "TIEN_SI"):
            ms_day = _years_after(rng, first_day, 4, 12, cap)
            yield ("EDUCATION", "THAC_SI", "", subject, ms_day, university, f"ThS{next(catalog_no):07d}")
            if edu == "TIEN_SI":
                yield ("EDUCATION", "TIEN_SI", "", subject, _years_after(rng, ms_day, 3, 8, cap),
                       university, f"TS{next(catalog_no):07d}")
    # Political theory: commune level ~12% sơ cấp/none, ~80% trung cấp, ~7% cao cấp/cử nhân.
    start = max(person.joined, age22)
    draw = rng.random()
    if person.leader:
        llct = "CAO_CAP" if draw < 0.50 else "CU_NHAN" if draw < 0.55 else "TRUNG_CAP"
    elif casual:
        llct = "SO_CAP" if draw < 0.5 else None
    elif person.category == "VIEN_CHUC":
        llct = None if draw < 0.45 else "SO_CAP" if draw < 0.65 else "TRUNG_CAP" if draw < 0.97 else "CAO_CAP"
    else:
        llct = None if draw < 0.05 else "SO_CAP" if draw < 0.12 else "TRUNG_CAP" if draw < 0.97 else "CAO_CAP"
    if llct and rng.random() > 0.03:  # ~3% missing the diploma on file
        if llct in ("TRUNG_CAP", "CAO_CAP", "CU_NHAN") and rng.random() < 0.7:
            sc = _years_after(rng, start, 0, 3, cap)
            yield ("POLITICAL_THEORY", "SO_CAP", "", "", sc, ISSUER_LLCT["SO_CAP"], f"SC{next(catalog_no):07d}")
        day = _years_after(rng, start, 2, 10, cap)
        yield ("POLITICAL_THEORY", llct, "", "", day, ISSUER_LLCT[llct], f"LLCT{next(catalog_no):07d}")
    # State management by rank (CVC also holds CV; leaders mostly CVC/CVCC).
    qlnn = {"01.003": "CHUYEN_VIEN", "01.002": "CHUYEN_VIEN_CHINH", "01.001": "CHUYEN_VIEN_CAO_CAP",
            "HANG_I": "CHUYEN_VIEN_CHINH", "HANG_II": "CHUYEN_VIEN"}.get(person.rank)
    if qlnn and rng.random() > 0.04:
        day = _years_after(rng, start, 1, 6, cap)
        issuer = "Học viện Hành chính Quốc gia" if qlnn != "CHUYEN_VIEN" else "Sở Nội vụ Hà Nội"
        if qlnn != "CHUYEN_VIEN" and rng.random() < 0.6:
            yield ("STATE_MANAGEMENT", "CHUYEN_VIEN", "", "", day, "Sở Nội vụ Hà Nội", f"QLNN{next(catalog_no):07d}")
            day = _years_after(rng, day, 3, 9, cap)
        yield ("STATE_MANAGEMENT", qlnn, "", "", day, issuer, f"QLNN{next(catalog_no):07d}")
    # IT: basic skills widespread.
    draw = rng.random()
    it = "NANG_CAO" if draw < 0.08 else "CO_BAN" if draw < 0.93 else None
    if it:
        yield ("IT", it, "", "", _years_after(rng, age22, 0, 8, cap), "Trường Đại học Quốc gia Hà Nội",
               f"TH{next(catalog_no):07d}")
    # Foreign language: mostly English, bậc 2–4.
    draw = rng.random()
    level = None if draw < 0.12 else "BAC_2" if draw < 0.42 else "BAC_3" if draw < 0.80 else "BAC_4" \
        if draw < 0.96 else "BAC_5"
    if level:
        yield ("FOREIGN_LANGUAGE", level, LANGUAGES.pick(rng), "", _years_after(rng, age22, 0, 6, cap),
               "Trường Đại học Hà Nội", f"NN{next(catalog_no):07d}")
