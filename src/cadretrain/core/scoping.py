"""The one scoping path: every interface reads people, units and their records through
`Model.objects.visible_to(actor)` or `get_visible_or_404`. Denial by default: a queryset whose
model does not define a scope for a role returns nothing for it."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.db.models import Q

from cadretrain.domain.access import Actor
from cadretrain.domain.errors import NotFound

NOTHING = Q(pk__in=[])


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to what an actor may see."""

    def scope_q(self, actor: Actor) -> Q | None:
        """The filter for `actor`; None means unrestricted. Subclasses override."""
        return None if actor.is_city_wide else NOTHING

    def visible_to(self, actor: Actor) -> Self:
        q = self.scope_q(actor)
        return self if q is None else self.filter(q)


def scope_key(actor: Actor) -> tuple:
    """Everything that decides what `actor` may see: two actors with the same key see the same
    rows, so figures computed for one may be reused for the other (core.versions caches)."""
    return (actor.role.value, actor.unit_path, actor.institution_id, actor.person_id)


def get_visible_or_404[M: models.Model](queryset: models.QuerySet[M], actor: Actor, **lookup: Any) -> M:
    """Fetch one object the actor may see; missing and invisible are the same `NotFound`."""
    qs = queryset.visible_to(actor)  # type: ignore[attr-defined]
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, qs.model.MultipleObjectsReturned, ValueError):
        raise NotFound(f"{qs.model._meta.model_name}_not_found") from None


def units_in_subtree_sql(column: str, unit_path: str) -> tuple[str, list[object]]:
    """Raw-SQL condition (and its parameter) that `column`, a unit id, lies in the subtree at
    `unit_path`, for the hand-written report queries: the path is a LIKE prefix with its wildcard
    characters escaped."""
    pattern = unit_path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return f"{column} IN (SELECT u.id FROM org_orgunit u WHERE u.path LIKE %s ESCAPE '\\')", [pattern]
