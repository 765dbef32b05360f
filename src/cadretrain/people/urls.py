from django.urls import path

from cadretrain.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("new/", views.person_create, name="person-create"),
    path("<str:code>/", views.person_detail, name="person-detail"),
    path("<str:code>/edit/", views.person_edit, name="person-edit"),
    path("<str:code>/credentials/new/", views.credential_add, name="credential-add"),
    path("<str:code>/transfer/", views.person_transfer, name="person-transfer"),
]
