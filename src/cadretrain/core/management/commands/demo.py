"""`cadretrain demo --size S|M|L|XL [--seed N] [--if-empty]`: load the deterministic demo dataset."""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cadretrain.demo.generate import SIZES, DemoError, generate


class Command(BaseCommand):
    help = "Nạp bộ dữ liệu mẫu Hà Nội (cố định theo seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", default="S", type=str.upper, choices=list(SIZES),
                            help="S, M, L hoặc XL (quy mô dữ liệu)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true",
                            help="không làm gì nếu cơ sở dữ liệu đã có cán bộ")
        # XS exists for tests; keep it out of the help text.
        for action in parser._actions:
            if action.dest == "size":
                action.metavar = "{S,M,L,XL}"
        parser.add_argument("--today", help=argparse.SUPPRESS)

    def handle(self, *args: object, **options: object) -> None:
        import datetime as dt

        today = dt.date.fromisoformat(str(options["today"])) if options.get("today") else None
        try:
            report = generate(size=str(options["size"]), seed=int(options["seed"]),  # type: ignore[call-overload]
                              if_empty=bool(options["if_empty"]), today=today,
                              log=lambda line: self.stderr.write(line))
        except DemoError:
            raise CommandError(
                "Cơ sở dữ liệu đã có dữ liệu: dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống "
                "(dùng --if-empty để bỏ qua)."
            ) from None
        if report.skipped:
            self.stdout.write("Cơ sở dữ liệu đã có cán bộ: bỏ qua việc nạp dữ liệu mẫu.")
            return
        people = report.counts.get("people", 0)
        enrolments = report.counts.get("enrolments", 0)
        self.stdout.write(
            f"Đã nạp dữ liệu mẫu cỡ {report.size} (seed {report.seed}): {people:,} cán bộ, "
            f"{report.counts.get('classes', 0):,} lớp, {enrolments:,} lượt học viên "
            f"trong {report.seconds:.1f} giây."
        )
