"""The product's URLs plus `/bench/hello`: the framework floor through the same middleware."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from cadretrain.config.urls import urlpatterns as product_urlpatterns


def hello(request: HttpRequest) -> JsonResponse:
    """Django with the product's full middleware stack and nothing else: no DB, no auth."""
    return JsonResponse({"hello": "world"})


urlpatterns = [path("bench/hello", hello, name="bench-hello"), *product_urlpatterns]
