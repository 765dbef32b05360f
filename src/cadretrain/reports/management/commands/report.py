"""`cadretrain report summary --from DATE --to DATE [--json]` and
`cadretrain report form10 --year YYYY [--xlsx PATH] [--pdf PATH] [--json]` (spec/interfaces.md).
Runs as the system actor (city-wide). With --json, stdout is exactly one JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cadretrain.core.errors import error_message
from cadretrain.domain import validation as v
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import DomainError


class Command(BaseCommand):
    help = "Báo cáo đào tạo, bồi dưỡng: tổng hợp theo kỳ (summary) và biểu 10-BTCTW (form10)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True)
        summary = sub.add_parser("summary", help="tổng hợp kết quả đào tạo trong kỳ")
        summary.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        summary.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        summary.add_argument("--json", action="store_true", dest="as_json")
        summary.add_argument("--xlsx", dest="xlsx", help="ghi thêm ra tệp Excel")
        summary.add_argument("--csv", dest="csv", help="ghi thêm ra tệp CSV")
        form10 = sub.add_parser("form10", help="biểu số 10-BTCTW của một năm")
        form10.add_argument("--year", dest="year", required=True)
        form10.add_argument("--xlsx", dest="xlsx", help="ghi biểu ra tệp Excel")
        form10.add_argument("--pdf", dest="pdf", help="ghi biểu ra tệp PDF")
        form10.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["report"] == "summary":
                self.summary(options)
            else:
                self.form10(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {error_message(exc)}") from None

    def summary(self, options: dict[str, Any]) -> None:
        from cadretrain.reports import exports
        from cadretrain.reports.selectors import training_summary

        doc = training_summary(actor=Actor.system(), date_from=v.parse_date(options["date_from"]),
                               date_to=v.parse_date(options["date_to"]))
        if options.get("xlsx") or options.get("csv"):
            headers, rows = exports.summary_table(doc)
            title = f"Tổng hợp đào tạo, bồi dưỡng {doc['from']} – {doc['to']}"
            if options.get("xlsx"):
                Path(options["xlsx"]).write_bytes(exports.table_xlsx(title, headers, rows))
            if options.get("csv"):
                Path(options["csv"]).write_bytes(exports.table_csv(headers, rows))
        if options["as_json"]:
            self.stdout.write(json.dumps(doc, ensure_ascii=False))
            return
        self.stdout.write(f"{doc['from']} – {doc['to']}")
        for r in doc["rows"]:
            self.stdout.write(f"  {r['kind']:<18} {r['level'] or '-':<24} lớp {r['classes']:>6}  lượt {r['enrolments']:>8}"
                              f"  học viên {r['learners']:>7}  hoàn thành {r['completed']:>7}")
        self.stdout.write(f"abroad: {doc['abroad']}")
        for tier, t in doc["tiers"].items():
            self.stdout.write(f"tier {tier}: {t}")
        self.stdout.write(f"compliance: {doc['compliance']}")

    def form10(self, options: dict[str, Any]) -> None:
        from cadretrain.reports import exports
        from cadretrain.reports.form10 import build_form10

        try:
            year = int(options["year"])
        except ValueError:
            raise DomainError("report_bad_year", value=options["year"]) from None
        form = build_form10(actor=Actor.system(), year=year)
        if options.get("xlsx"):
            Path(options["xlsx"]).write_bytes(exports.form10_xlsx(form))
            self.stderr.write(f"xlsx: {options['xlsx']}")
        if options.get("pdf"):
            Path(options["pdf"]).write_bytes(exports.form10_pdf(form))
            self.stderr.write(f"pdf: {options['pdf']}")
        if options["as_json"]:
            self.stdout.write(json.dumps(form.as_json(), ensure_ascii=False))
            return
        self.stdout.write(f"10-BTCTW {form.year} ({'two_tier' if form.two_tier else 'three_tier'})")
        self.stdout.write("\t".join(["code"] + [f"({c.number}){c.key}" for c in form.columns]))
        for row, values in form.rows:
            self.stdout.write("\t".join([row.code] + [str(values[c.key]) for c in form.columns]))
