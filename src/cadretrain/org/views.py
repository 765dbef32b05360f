"""Unit pages: the tree the actor may see with head-counts, and one unit's facts."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cadretrain.core.choices import Category
from cadretrain.core.web import actor_of, actor_required
from cadretrain.org import selectors
from cadretrain.org.models import OrgUnit

# Open the first levels of the tree; deeper branches stay collapsed unless the tree is small.
SMALL_TREE = 60


def tree_html(nodes: list[selectors.TreeNode]) -> str:
    """The nested list of a flattened tree. Built here rather than in a template loop: at city
    scale (1,400 units with the dissolved ones) template lookups, reverse() and format_html per
    unit took most of the page time; this is one reverse() and plain escaping per unit."""
    pattern = reverse("org:unit-detail", args=["__code__"])
    open_below = 99 if len(nodes) <= SMALL_TREE else 1
    people_title = escape(_("Số người đang công tác"))
    separator = get_format("THOUSAND_SEPARATOR")
    parts = []
    for n in nodes:
        unit = n.unit
        url = escape(pattern.replace("__code__", quote(unit.code, safe="")))
        count = f"{n.people:,}".replace(",", separator)
        label = (f'<a href="{url}">{escape(unit.name)}</a> <span class="muted">{escape(unit.code)}</span>'
                 f' <span class="badge" title="{people_title}">{count}</span>')
        if n.is_historical:
            until = escape(_("đến {day}").format(day=unit.valid_to.strftime("%d/%m/%Y")))
            label += f' <span class="badge warn">{until}</span>'
            if n.successor_visible:
                label += f' <span class="muted">→ {escape(unit.successor.name)}</span>'
        if n.children:
            opened = " open" if n.level < open_below else ""
            parts.append(f"<li><details{opened}><summary>{label}</summary><ul>")
        else:
            parts.append(f'<li class="leaf">{label}</li>')
        parts.extend("</ul></details></li>" for _closed in n.closes)
    return mark_safe("\n".join(parts))  # every value above is escaped


@actor_required()
def unit_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    historical = request.GET.get("historical") == "1"
    nodes = selectors.unit_tree(actor=actor, historical=historical)
    total = sum(n.people for n in nodes if n.level == 0)
    return render(request, "org/unit_list.html", {
        "tree": tree_html(nodes), "count": len(nodes), "historical": historical, "total": total,
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
