"""Unit pages: the tree the actor may see with head-counts, and one unit's facts."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from cadretrain.core.choices import Category
from cadretrain.core.web import actor_of, actor_required
from cadretrain.org import selectors
from cadretrain.org.models import OrgUnit

# Open the first levels of the tree; deeper branches stay collapsed unless the tree is small.
SMALL_TREE = 60


@actor_required()
def unit_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    historical = request.GET.get("historical") == "1"
    nodes = selectors.unit_tree(actor=actor, historical=historical)
    # One reverse() for the whole tree: reversing per unit dominated the page time at city scale.
    pattern = reverse("org:unit-detail", args=["__code__"])
    for node in nodes:
        node.url = pattern.replace("__code__", quote(node.unit.code, safe=""))  # type: ignore[attr-defined]
    open_below = 99 if len(nodes) <= SMALL_TREE else 1
    total = sum(n.people for n in nodes if n.level == 0)
    return render(request, "org/unit_list.html", {
        "nodes": nodes, "historical": historical, "open_below": open_below, "total": total,
    })


@actor_required()
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    unit = selectors.unit_get(actor=actor, code=code)
    today = timezone.localdate()
    counts = selectors.headcounts(actor=actor, day=today, within_path=unit.path)
    children = list(OrgUnit.objects.visible_to(actor).filter(parent=unit).order_by("search_key", "code"))
    for child in children:
        child.headcount = counts.get(child.pk, 0)  # type: ignore[attr-defined]
    predecessors = list(OrgUnit.objects.visible_to(actor).filter(successor=unit).order_by("search_key"))
    visible = selectors.visible_unit_ids(
        actor=actor, ids={pk for pk in (unit.parent_id, unit.successor_id) if pk}
    )
    labels = dict(Category.choices)
    by_category = [
        {"category": row["category"], "label": labels.get(row["category"], row["category"]), "n": row["n"]}
        for row in selectors.headcount_by_category(actor=actor, unit=unit, day=today)
    ]
    return render(request, "org/unit_detail.html", {
        "unit": unit,
        "people": counts.get(unit.pk, 0),
        "children": children,
        "predecessors": predecessors,
        "parent_visible": unit.parent_id in visible,
        "successor_visible": unit.successor_id in visible,
        "by_category": by_category,
        "is_historical": unit.valid_to is not None and unit.valid_to < today,
    })
