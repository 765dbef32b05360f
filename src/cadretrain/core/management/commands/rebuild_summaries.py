"""`cadretrain rebuild_summaries`: recompute every derived table (person-year periods, the report
cube, dashboard caches) from the raw rows.

The product keeps them up to date on every change by itself; this is for operators after an
upgrade whose migration changed a summary table's shape, or after rows were edited outside the
product (a restore, a manual SQL fix). It sends the same `enrolments_rebuilt` signal the demo
generator and large imports send, so every summary owner rebuilds in its own way."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Tính lại toàn bộ các bảng tổng hợp (số tiết theo năm, khối số liệu báo cáo) từ dữ liệu gốc."

    def handle(self, *args: object, **options: object) -> None:
        from cadretrain.training.signals import enrolments_rebuilt

        start = time.perf_counter()
        with transaction.atomic():
            enrolments_rebuilt.send(sender=None)
        _analyze_summary_tables()
        self.stdout.write(f"Đã tính lại các bảng tổng hợp trong {time.perf_counter() - start:.1f} giây.")


def _analyze_summary_tables() -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map) for the rebuilt tables: a table created by a recent migration has
    none, and the dashboards' plans depend on them (the demo loader and imports do the same)."""
    from django.db import connection

    tables = [t for t in connection.introspection.table_names()
              if t.startswith("reports_") or t == "training_personyearperiods"]
    # PostgreSQL: VACUUM too, which sets the rebuilt rows' hint bits and visibility map (otherwise
    # the first dashboards after the rebuild write them, and index-only scans visit the table) —
    # autovacuum would, some time later (never where it is off). VACUUM cannot run inside a
    # transaction (a caller's, or a test's): there, ANALYZE alone.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # sampled: seconds, not minutes, at L
        for table in tables:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"' if vacuum else f'ANALYZE "{table}"')
