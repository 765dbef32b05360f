"""`cadretrain allocate [--unit CODE] [--budget VND] [--quota N] [--away-share F]
[--allowed-months N] [--classes CODE,CODE] [--json]`:
propose who goes to which open class to close the most priority-weighted gaps, with the LP
bound as a quality certificate and a reason for everyone left out. The proposal is saved
(accept it on the allocation page or via the API)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cadretrain.core.errors import error_message
from cadretrain.domain import validation as v
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import DomainError
from cadretrain.plans import services


class Command(BaseCommand):
    help = "Lập phương án phân bổ chỗ học tối ưu (theo thiếu hụt tiêu chuẩn, số chỗ, ngân sách)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit")
        parser.add_argument("--budget", type=int)
        parser.add_argument("--quota", type=int, help="tối đa số người mỗi đơn vị")
        parser.add_argument("--away-share", type=float, default=0.3, dest="away_share")
        parser.add_argument("--as-of", dest="as_of")
        parser.add_argument("--allowed-months", type=int, dest="allowed_months",
                            help="thời hạn đạt chuẩn sau bổ nhiệm (tháng), mặc định 12")
        parser.add_argument("--classes", help="chỉ xếp vào các lớp này (mã, cách nhau bởi dấu phẩy)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            as_of = v.parse_date(o["as_of"]) or timezone.localdate()
            run = services.allocation_propose(actor=Actor.system(), as_of=as_of, unit_code=o["unit"],
                                              budget=o["budget"], unit_quota=o["quota"], away_share=o["away_share"],
                                              allowed_months=o["allowed_months"],
                                              class_codes=[c for c in (o["classes"] or "").split(",") if c] or None)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {error_message(exc)}") from None
        rows = run.result["rows"]
        placed = [r for r in rows if r["class"]]
        doc = {"id": run.pk, "objective": run.objective, "bound": run.bound, "greedy": run.result["greedy"],
               "cost": run.result["cost"], "budget": run.budget, "people": len(rows), "placed": len(placed),
               "rows": rows}
        if o["as_json"]:
            self.stdout.write(json.dumps(doc, ensure_ascii=False))
            return
        quality = run.objective / run.bound * 100 if run.bound else 100.0
        self.stdout.write(f"proposal {run.pk}: objective {run.objective:.1f} / LP bound {run.bound:.1f} "
                          f"({quality:.2f}%), greedy {run.result['greedy']:.1f}, cost {run.result['cost']}")
        self.stdout.write(f"placed {len(placed)} of {len(rows)}")
        for r in rows:
            self.stdout.write(f"  {r['person']}\t{r['unit']}\t{r['class'] or '-'}\t{r['reason']}")
