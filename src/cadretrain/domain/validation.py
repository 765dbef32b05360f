"""Field rules shared by the web forms, the API and the workbook importer.

Each parser takes raw input (a string, a date, a number from a spreadsheet) and returns a clean
value or raises `FieldError(code, **params)`; the caller attaches sheet/row/column."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from cadretrain.domain.errors import DomainError


class FieldError(DomainError):
    """One field's value is unacceptable; `code` says why."""


_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_VN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TRUE_WORDS = {"y", "yes", "1", "true", "có", "co", "x"}
FALSE_WORDS = {"n", "no", "0", "false", "không", "khong"}


def parse_date(value: object) -> dt.date | None:
    """YYYY-MM-DD, DD/MM/YYYY or a real date; empty → None; impossible dates (31/02) refused."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    match = _DATE_ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DATE_VN.match(text)
        if not match:
            raise FieldError("invalid_date", value=text)
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise FieldError("impossible_date", value=text) from None


def parse_bool(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise FieldError("invalid_boolean", value=str(value))


def parse_score(value: object) -> Decimal | None:
    """A score on the 0–10 scale (at most two decimals)."""
    if value is None or value == "":
        return None
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise FieldError("invalid_number", value=str(value)) from None
    if not score.is_finite() or score < 0 or score > 10:
        raise FieldError("score_out_of_range", value=str(value))
    return score.quantize(Decimal("0.01"))


_GENDERS = {"m": "M", "nam": "M", "male": "M", "f": "F", "nữ": "F", "nu": "F", "female": "F"}


def parse_gender(value: object) -> str:
    text = str(value or "").strip().lower()
    gender = _GENDERS.get(text)
    if gender is None:
        raise FieldError("invalid_gender", value=str(value or ""))
    return gender


def check_national_id(value: str) -> str:
    text = (value or "").strip()
    if text and not re.fullmatch(r"\d{12}", text):
        raise FieldError("invalid_national_id", value=text)
    return text


def check_choice(value: str, allowed: set[str] | frozenset[str], code: str) -> str:
    text = (value or "").strip()
    if text not in allowed:
        raise FieldError(code, value=text)
    return text


def check_date_order(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise FieldError("dates_out_of_order")
