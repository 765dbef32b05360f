"""`cadretrain overlaps [--year YYYY] [--json]`: plan items and classes of different units that
teach the same thing in the same period, grouped, with a similarity score and the reasons. The
command recomputes the city's scan and stores it (the web page then shows it as the latest)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cadretrain.domain.access import Actor
from cadretrain.plans import selectors, services
from cadretrain.plans.api import overlaps_doc


class Command(BaseCommand):
    help = "Phát hiện nội dung đào tạo trùng lặp giữa các đơn vị."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int)
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, **o: Any) -> None:
        year = o["year"] or timezone.localdate().year
        scan = services.overlap_scan_now(actor=Actor.system(), year=year)
        clusters = selectors.scan_clusters(scan)
        if o["as_json"]:
            self.stdout.write(json.dumps(overlaps_doc(scan, year=year), ensure_ascii=False))
            return
        self.stdout.write(f"year: {year}  clusters: {len(clusters)}")
        for c in clusters:
            self.stdout.write(f"[{c.key}] score {c.score:.2f} ({', '.join(c.reasons)}) units {', '.join(c.units)}")
            for m in c.members:
                self.stdout.write(f"    {m.kind}:{m.pk}\t{m.unit_code}\t{m.start}–{m.end}\t{m.text[:80]}")
