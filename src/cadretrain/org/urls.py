from django.urls import path

from cadretrain.org import views

app_name = "org"

urlpatterns = [
    path("", views.unit_list, name="unit-list"),
    path("<str:code>/", views.unit_detail, name="unit-detail"),
]
