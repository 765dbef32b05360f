"""Reads of the unit tree, always through `visible_to(actor)`; head-counts are one aggregate query
rolled up over materialised paths in Python, never a query per unit."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from cadretrain.core.scoping import get_visible_or_404
from cadretrain.core.search import name_or_code_q
from cadretrain.domain.access import Actor
from cadretrain.domain.text import fold
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Person


def path_ids(path: str) -> list[int]:
    """The primary keys along a materialised path ("/1/7/42/" → [1, 7, 42])."""
    return [int(part) for part in path.strip("/").split("/") if part]


def headcounts(
    *, actor: Actor, day: dt.date | None = None, within_path: str | None = None
) -> Counter[int]:
    """People employed on `day` whom the actor may see, rolled up: unit id → people in its subtree.

    One query groups visible people by unit (with the unit's path); every ancestor on the path
    gets the count, so a unit's figure is its whole subtree without one query per unit."""
    people = Person.objects.visible_to(actor).employed_on(day or timezone.localdate())
    if within_path:
        people = people.filter(unit__path__startswith=within_path)
    rows = people.order_by().values("unit__path").annotate(n=Count("pk"))
    totals: Counter[int] = Counter()
    for row in rows:
        for unit_id in path_ids(row["unit__path"]):
            totals[unit_id] += row["n"]
    return totals


def headcount_by_category(*, actor: Actor, unit: OrgUnit, day: dt.date | None = None) -> list[dict]:
    """Visible people employed on `day` in the unit's subtree, per category (one query)."""
    return list(
        Person.objects.visible_to(actor)
        .employed_on(day or timezone.localdate())
        .filter(unit__path__startswith=unit.path)
        .order_by("category")
        .values("category")
        .annotate(n=Count("pk"))
    )


def unit_list(*, actor: Actor, historical: bool = True, day: dt.date | None = None,
              q: str | None = None) -> QuerySet[OrgUnit]:
    """Visible units in tree order; without `historical`, only those in existence on `day`."""
    qs = OrgUnit.objects.visible_to(actor).select_related("parent", "successor")
    if not historical:
        qs = qs.current(day)
    if q:
        qs = qs.filter(name_or_code_q(OrgUnit, q))
    return qs.order_by("path")


def unit_get(*, actor: Actor, code: str) -> OrgUnit:
    """One visible unit by code (NotFound when missing or out of scope)."""
    return get_visible_or_404(OrgUnit.objects.select_related("parent", "successor"), actor, code=code)


def visible_unit_ids(*, actor: Actor, ids: set[int]) -> set[int]:
    """Which of these unit ids the actor may see (one query), to decide what to link."""
    if not ids:
        return set()
    return set(OrgUnit.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))


@dataclass
class TreeNode:
    """A unit in the displayed tree with its rolled-up head-count and children."""

    unit: OrgUnit
    people: int = 0
    children: list[TreeNode] = field(default_factory=list)
    level: int = 0
    closes: range = range(0)
    # The successor is named only when the actor may see it (it is in the same list).
    successor_visible: bool = False

    @property
    def is_historical(self) -> bool:
        return self.unit.valid_to is not None and self.unit.valid_to < timezone.localdate()


def _sort_key(node: TreeNode) -> tuple[str, str]:
    return (fold(node.unit.name), node.unit.code)


def build_tree(units: list[OrgUnit], counts: Counter[int]) -> list[TreeNode]:
    """Nest units by parent; a unit whose parent is not in the list becomes a root."""
    nodes = {u.pk: TreeNode(unit=u, people=counts.get(u.pk, 0)) for u in units}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id) if node.unit.parent_id else None
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=_sort_key)
        node.successor_visible = node.unit.successor_id in nodes
    roots.sort(key=_sort_key)
    return roots


def flatten(roots: list[TreeNode]) -> list[TreeNode]:
    """Pre-order walk; `closes` tells the template how many open lists end after a node, so a
    thousand-unit tree renders in one loop instead of recursive includes."""
    out: list[TreeNode] = []

    def walk(node: TreeNode, level: int) -> None:
        node.level = level
        out.append(node)
        for child in node.children:
            walk(child, level + 1)

    for root in roots:
        walk(root, 0)
    for i, node in enumerate(out):
        # A node with children opens a nested list; a leaf closes every list that ends with it.
        next_level = out[i + 1].level if i + 1 < len(out) else 0
        node.closes = range(0) if node.children else range(max(0, node.level - next_level))
    return out


def unit_tree(*, actor: Actor, historical: bool = False, day: dt.date | None = None) -> list[TreeNode]:
    """The visible units as a flattened tree with head-counts (two queries in all)."""
    day = day or timezone.localdate()
    # Only what the tree shows: model instances dominate at city scale (1,400 units).
    units = list(
        unit_list(actor=actor, historical=historical, day=day)
        .select_related(None).select_related("successor")
        .only("code", "name", "parent_id", "path", "valid_to", "successor__code", "successor__name")
    )
    return flatten(build_tree(units, headcounts(actor=actor, day=day)))


def unit_choices(*, actor: Actor, day: dt.date | None = None) -> list[tuple[str, str]]:
    """(code, indented name) of the visible units in existence, in tree order, for select boxes."""
    units = list(
        OrgUnit.objects.visible_to(actor).current(day).order_by("path")
        .only("code", "name", "parent_id", "successor_id")  # build_tree reads successor_id
    )
    nodes = flatten(build_tree(units, Counter()))
    return [(n.unit.code, f"{'— ' * n.level}{n.unit.name}") for n in nodes]
