"""The product's one text search: a diacritic-free substring of the name, or the exact code."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from cadretrain.domain.text import fold


def name_or_code_q(model: type[models.Model], q: str) -> Q:
    """Rows whose folded name (`search_key`) contains `q` folded, or whose code is `q`.

    The code is matched through a subquery on the unique code index rather than `OR code = q`:
    with the plain OR, SQLite read every table row it walked along the name index in order to
    compare its code (160 ms for a name nobody has among 150,000 people); with the subquery the
    name test runs on the index entry alone and the table row is read only for a match (14 ms).
    The subquery is computed once per statement."""
    by_code = model._base_manager.filter(code=q.strip()).values("pk")
    return Q(search_key__contains=fold(q)) | Q(pk__in=by_code)
