"""The landing page and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cadretrain.core.errors import error_message
from cadretrain.core.web import actor_of, actor_required
from cadretrain.domain.errors import DomainError
from cadretrain.web import selectors


@actor_required()
def home(request: HttpRequest) -> HttpResponse:
    """Leaders, officers and viewers land on the city dashboard of their scope; learners and
    institution staff get a short overview of what they may see."""
    from cadretrain.reports.views import DASHBOARD_ROLES, dashboard_context

    actor = actor_of(request)
    if actor.role in DASHBOARD_ROLES:
        try:
            return render(request, "web/home.html", {"dashboard": True, **dashboard_context(request, actor)})
        except DomainError as exc:
            if exc.status == 404:
                raise
            return render(request, "web/home.html", {"dashboard": True, "error": error_message(exc)}, status=400)
    return render(request, "web/home.html", {"overview": selectors.overview(actor=actor)})


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})
