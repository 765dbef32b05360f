"""Personas × every registry page: anonymous users are sent to sign in, read-only roles cannot
open write pages, and anything outside the actor's scope is a 404 exactly like a missing code."""

import pytest

PERSONAS = ["admin", "officer_a", "officer_b", "viewer_a", "learner", "school"]

READ_PAGES = {
    # url: {persona: status}
    "/units/": dict.fromkeys(PERSONAS, 200),
    "/units/00004/": {"admin": 200, "officer_a": 200, "officer_b": 404, "viewer_a": 200,
                      "learner": 200, "school": 404},
    "/units/00008/": {"admin": 200, "officer_a": 404, "officer_b": 200, "viewer_a": 404,
                      "learner": 404, "school": 404},
    "/units/NO-SUCH-UNIT/": dict.fromkeys(PERSONAS, 404),
    "/people/": dict.fromkeys(PERSONAS, 200),
    "/people/P-A1/": {"admin": 200, "officer_a": 200, "officer_b": 404, "viewer_a": 200,
                      "learner": 200, "school": 404},
    "/people/P-A2/": {"admin": 200, "officer_a": 200, "officer_b": 404, "viewer_a": 200,
                      "learner": 404, "school": 404},
    "/people/P-B1/": {"admin": 200, "officer_a": 404, "officer_b": 200, "viewer_a": 404,
                      "learner": 404, "school": 404},
    "/people/NO-SUCH-PERSON/": dict.fromkeys(PERSONAS, 404),
}

# Roles without MANAGE_PEOPLE are refused before any lookup (403 whatever the code, so nothing leaks).
READ_ONLY = {"viewer_a": 403, "learner": 403, "school": 403}
WRITE_PAGES = {
    "/people/new/": {"admin": 200, "officer_a": 200, "officer_b": 200, **READ_ONLY},
    "/people/P-A1/edit/": {"admin": 200, "officer_a": 200, "officer_b": 404, **READ_ONLY},
    "/people/P-A1/credentials/new/": {"admin": 200, "officer_a": 200, "officer_b": 404, **READ_ONLY},
    "/people/P-A1/transfer/": {"admin": 200, "officer_a": 200, "officer_b": 404, **READ_ONLY},
    "/people/NO-SUCH-PERSON/edit/": {"admin": 404, "officer_a": 404, "officer_b": 404, **READ_ONLY},
}

PAGES = {**READ_PAGES, **WRITE_PAGES}


@pytest.mark.parametrize("url", PAGES)
def test_page_status_per_persona(client_for, url):
    # One world per page, every persona checked against it; the message lists each mismatch.
    got = {persona: client_for(persona).get(url).status_code for persona in PAGES[url]}
    assert got == PAGES[url]


def test_anonymous_is_sent_to_the_login_page(client, db):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_out_of_scope_and_missing_person_pages_look_the_same(client_for):
    officer = client_for("officer_a")
    hidden, missing = officer.get("/people/P-B1/"), officer.get("/people/NO-SUCH-PERSON/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
