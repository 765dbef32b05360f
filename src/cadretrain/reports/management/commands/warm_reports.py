"""`cadretrain warm_reports [--day YYYY-MM-DD ...]`: compute, before a leader asks, what the first
report of a day would otherwise compute while they wait — the compliance of the whole workforce
on that day (standards.compliance keeps it per day; about 1.5 s at L), for today and any day
named (a period's end the office reports on).

Meant for cron, e.g. every half hour: a kept day is recomputed here once it is older than half
its maximum age (compliance.MAX_AGE), so that requests never meet one that has expired. The
product is correct without it; requests are then the ones that wait."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = ("Tính trước số liệu đáp ứng tiêu chuẩn của toàn bộ cán bộ cho hôm nay (và các ngày chỉ định) "
            "để trang báo cáo đầu tiên trong ngày không phải chờ. Nên chạy định kỳ (cron).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", dest="days", action="append", default=[],
                            help="thêm một ngày cần tính trước (YYYY-MM-DD); có thể lặp lại")

    def handle(self, *args: Any, **options: Any) -> None:
        from cadretrain.standards.compliance import MAX_AGE, ensure_day

        days = [timezone.localdate()]
        for raw in options["days"]:
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                raise CommandError(f"Ngày không hợp lệ: «{raw}» (cần dạng YYYY-MM-DD).") from None
            if day not in days:
                days.append(day)
        for day in days:
            started = time.perf_counter()
            computed = ensure_day(day, max_age=MAX_AGE / 2)
            seconds = time.perf_counter() - started
            if computed:
                self.stdout.write(f"{day.isoformat()}: đã tính lại mức đáp ứng tiêu chuẩn trong {seconds:.1f} giây.")
            else:
                self.stdout.write(f"{day.isoformat()}: số liệu còn mới, không cần tính lại.")
