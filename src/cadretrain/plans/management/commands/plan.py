"""`cadretrain plan list|show|submit|approve|return …`: annual plans from the command line.
Acts as the system actor unless `--user NAME` is given (then as that user, with their scope)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cadretrain.core.errors import error_message
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import DomainError
from cadretrain.plans import selectors, services


def _actor(username: str | None) -> Actor:
    if not username:
        return Actor.system()
    from cadretrain.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"unknown user {username}")
    return user.to_actor()


class Command(BaseCommand):
    help = "Kế hoạch đào tạo, bồi dưỡng: list | show | submit | approve | return."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["list", "show", "submit", "approve", "return"])
        parser.add_argument("plan", nargs="?", help="id kế hoạch, hoặc MÃ_ĐƠN_VỊ/NĂM")
        parser.add_argument("--year", type=int)
        parser.add_argument("--status")
        parser.add_argument("--comment", default="")
        parser.add_argument("--user", help="thực hiện với quyền của người dùng này")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = _actor(o["user"])
        try:
            if o["verb"] == "list":
                plans = list(selectors.plan_list(actor=actor, year=o["year"], status=o["status"]))
                rows = [{"id": p.pk, "unit": p.unit.code, "year": p.year, "status": p.status,
                         "items": p.n_items, "people": p.people_total or 0, "budget": p.budget or 0} for p in plans]
                if o["as_json"]:
                    self.stdout.write(json.dumps({"items": rows, "count": len(rows)}, ensure_ascii=False))
                else:
                    for r in rows:
                        self.stdout.write(f"{r['id']}\t{r['unit']}\t{r['year']}\t{r['status']}\t{r['items']}\t"
                                          f"{r['people']}\t{r['budget']}")
                return
            if not o["plan"]:
                raise CommandError("plan id or UNIT/YEAR required")
            plan = self._find(actor, o["plan"])
            if o["verb"] == "show":
                items = list(selectors.plan_items(actor=actor, plan=plan))
                doc = {"id": plan.pk, "unit": plan.unit.code, "year": plan.year, "status": plan.status,
                       "version": plan.version,
                       "items": [{"programme": i.programme.code if i.programme_id else None, "need": i.need,
                                  "people": i.people, "quarter": i.quarter, "budget_total": i.budget_total}
                                 for i in items],
                       "events": [{"action": e.action, "to": e.to_status, "by": e.actor_name, "comment": e.comment}
                                  for e in selectors.plan_events(actor=actor, plan=plan)]}
                self.stdout.write(json.dumps(doc, ensure_ascii=False, indent=None if o["as_json"] else 2))
                return
            handler = {"submit": services.plan_submit, "approve": services.plan_approve,
                       "return": services.plan_return}[o["verb"]]
            plan = handler(actor=actor, plan=plan, comment=o["comment"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {error_message(exc)}") from None
        self.stdout.write(json.dumps({"id": plan.pk, "status": plan.status, "version": plan.version})
                          if o["as_json"] else f"{plan.pk}\t{plan.status}")

    def _find(self, actor: Actor, ref: str) -> Any:
        if "/" in ref:
            unit_code, year = ref.rsplit("/", 1)
            return selectors.plan_find(actor=actor, unit_code=unit_code, year=int(year))
        if not ref.isdigit():
            raise CommandError("plan id or UNIT/YEAR required")
        return selectors.plan_get(actor=actor, pk=int(ref))
