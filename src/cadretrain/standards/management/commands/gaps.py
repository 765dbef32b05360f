"""`cadretrain gaps [--as-of DATE] [--unit CODE] [--json]`: workforce gap analysis
(spec/interfaces.md). With --json, stdout is exactly one JSON document."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cadretrain.core.errors import error_message
from cadretrain.domain import validation as v
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import DomainError
from cadretrain.standards.evaluation import evaluate_workforce


class Command(BaseCommand):
    help = "Phân tích thiếu hụt tiêu chuẩn của toàn bộ cán bộ tại một ngày (workforce gap analysis)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (mặc định: hôm nay)")
        parser.add_argument("--unit", dest="unit", help="mã đơn vị: chỉ cây đơn vị này")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = v.parse_date(options["as_of"]) or timezone.localdate()
            result = evaluate_workforce(actor=Actor.system(), as_of=as_of, unit_code=options["unit"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {error_message(exc)}") from None
        if options["as_json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self.stdout.write(f"as_of: {result.as_of.isoformat()}")
        self.stdout.write(f"people: {result.people}")
        self.stdout.write(f"meeting_standards: {result.meeting_standards} ({result.percent_meeting:.1f}%)")
        self.stdout.write(f"gaps: {len(result.gaps)}")
        by_dim: dict[str, int] = {}
        for gap in result.gaps:
            by_dim[gap.dimension] = by_dim.get(gap.dimension, 0) + 1
        for dim, n in sorted(by_dim.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {dim}: {n}")
        roots = [u for u in result.by_unit.values()
                 if u.code == result.root_code or (result.root_code is None and u.parent_code is None)]
        for root in roots:
            children = [u for u in result.by_unit.values() if u.parent_code == root.code]
            for unit in [root, *sorted(children, key=lambda u: u.code)]:
                indent = "" if unit is root else "  "
                self.stdout.write(
                    f"{indent}{unit.code}\t{unit.name}\t{unit.subtree_people}\t"
                    f"{unit.subtree_meeting}\t{unit.subtree_percent_meeting:.1f}%"
                )
