"""Public pages mounted at /verify/ (no sign-in): certificate verification by code."""

from django.urls import path

from cadretrain.training import views

urlpatterns = [
    path("<str:code>", views.verify, name="certificate-verify"),
]
