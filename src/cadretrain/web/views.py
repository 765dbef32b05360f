"""The landing page and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cadretrain.core.web import actor_of, actor_required
from cadretrain.web import selectors


@actor_required()
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(request, "web/home.html", {"overview": selectors.overview(actor=actor)})


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})
