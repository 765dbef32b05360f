"""The documented API surface (spec/interfaces.md) and its cost."""

from tests.training.helpers import open_class


def test_openapi_documents_the_training_endpoints_and_a_public_verify(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/programmes", "/api/v1/classes", "/api/v1/classes/{code}",
                 "/api/v1/classes/{code}/enrolments"):
        assert path in paths
    verify = paths["/api/v1/certificates/verify/{verification_code}"]["get"]
    assert not verify.get("security")


def test_class_list_api_costs_the_same_for_many_rows(world, api_for, django_assert_max_num_queries):
    for i in range(25):
        open_class(f"K-{i:02d}", world.ward_a, status="PLANNED")
    client = api_for("officer_a")
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/classes?limit=100").json()
    assert body["count"] == 25 and len(body["items"]) == 25
    assert {"capacity", "enrolled", "status", "abroad"} <= set(body["items"][0])


def test_unknown_class_is_404_with_a_code(world, api_for):
    response = api_for("admin").get("/api/v1/classes/NOPE")
    assert response.status_code == 404 and response.json()["code"] == "trainingclass_not_found"
