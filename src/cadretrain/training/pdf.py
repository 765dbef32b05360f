"""The certificate as a PDF (WeasyPrint, A4 landscape, DejaVu fonts) with a QR code (segno)
pointing at the public verification page. Text is NFC so Vietnamese diacritics render as one
glyph each."""

from __future__ import annotations

import datetime as dt
import unicodedata

import segno
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from cadretrain.training.models import Certificate


def vn_long_date(day: dt.date, place: str = "Hà Nội") -> str:
    """'Hà Nội, ngày 05 tháng 02 năm 2026': administrative style (NĐ 30/2020) writes days below
    10 and the months 1 and 2 with a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def vn_date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no external file, allowed by the CSP)."""
    return segno.make(url, error="m").svg_inline(scale=3, border=1, dark="#1d2733")


def certificate_context(certificate: Certificate, verify_url: str) -> dict[str, object]:
    enrolment = certificate.enrolment
    person = enrolment.person
    tc = enrolment.training_class

    def nfc(text: str) -> str:
        return unicodedata.normalize("NFC", text or "")

    return {
        "certificate": certificate,
        "institution": nfc(certificate.institution.name),
        "honorific": "Bà" if person.gender == "F" else "Ông",
        "holder": nfc(certificate.holder_name),
        "birth_date": vn_date(person.birth_date),
        "unit": nfc(person.unit.name),
        "programme": nfc(certificate.programme_name),
        "class_name": nfc(tc.name),
        "start": vn_date(tc.start_date),
        "end": vn_date(tc.end_date),
        "periods": tc.programme.periods,
        "score": enrolment.score,
        "issued_line": vn_long_date(certificate.issued_on),
        "serial": certificate.serial,
        "verify_url": verify_url,
        "qr": mark_safe(qr_svg(verify_url)),  # noqa: S308 - segno output, no user input in markup
        "revoked": certificate.status != "VALID",
    }


def certificate_html(certificate: Certificate, verify_url: str) -> str:
    return render_to_string("training/certificate_pdf.html", certificate_context(certificate, verify_url))


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    """Render the certificate to PDF bytes."""
    from weasyprint import HTML

    return HTML(string=certificate_html(certificate, verify_url)).write_pdf()
