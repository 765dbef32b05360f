"""The OpenAPI document is valid and documents 401/404; the docs page needs no CDN."""

import re

from django.contrib.staticfiles import finders
from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_documents_refusals(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    paths = spec["paths"]
    for path in ("/api/v1/units", "/api/v1/people"):
        assert set(paths[path]["get"]["responses"]) >= {"200", "401"}
    for path in ("/api/v1/units/{code}", "/api/v1/people/{code}"):
        assert set(paths[path]["get"]["responses"]) >= {"200", "401", "404"}
    people = spec["components"]["schemas"]["PagedPersonOut"]["properties"]
    assert set(people) == {"items", "count"}


def test_docs_page_loads_swagger_from_our_own_static_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    # Only data blocks inline (the CSP forbids inline scripts): every executable script has a src.
    assert not re.search(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', html)
