"""`cadretrain import_workbook PATH [--dry-run] [--json]` (spec/interfaces.md).

Exit codes: 0 imported (or dry run clean), 1 validation errors (nothing written), 2 unreadable
file or bad usage. With --json stdout holds exactly one JSON document; progress goes to stderr."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandParser

from cadretrain.domain.access import Actor
from cadretrain.interchange.services import workbook_import


class Command(BaseCommand):
    help = "Import an interchange workbook (.xlsx, .zip of CSVs or a folder of CSVs), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--json", action="store_true", help="one JSON document on stdout")

    def handle(self, *args: object, **options: object) -> None:
        as_json = bool(options["json"])

        def progress(done: int, sheet: str) -> None:
            self.stderr.write(f"{sheet}: {done:,}")
            self.stderr.flush()

        report = workbook_import(actor=Actor.system(), path=str(options["path"]),
                                 dry_run=bool(options["dry_run"]), progress=progress)
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self._print(report)
        if report.fatal:
            sys.exit(2)
        if not report.ok:
            sys.exit(1)

    def _print(self, report) -> None:  # type: ignore[no-untyped-def]
        for error in report.errors:
            where = " ".join(str(x) for x in (error["sheet"], error["row"], error["column"]) if x not in (None, ""))
            self.stderr.write(f"{where}: [{error['code']}] {error['message']}")
        verb = "Kiểm tra (không ghi)" if report.dry_run else "Đã nhập"
        if report.ok:
            for sheet in report.created:
                self.stdout.write(f"{verb} {sheet}: {report.created[sheet]} mới, {report.updated[sheet]} cập nhật, "
                                  f"{report.unchanged[sheet]} không đổi")
        else:
            self.stderr.write(f"{report.error_count} lỗi; không dữ liệu nào được ghi.")
