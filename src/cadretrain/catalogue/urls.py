from django.urls import path

from cadretrain.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.programme_list, name="programme-list"),
    path("programmes/new/", views.programme_create, name="programme-create"),
    path("programmes/<str:code>/", views.programme_detail, name="programme-detail"),
    path("programmes/<str:code>/edit/", views.programme_edit, name="programme-edit"),
    path("institutions/", views.institution_list, name="institution-list"),
    path("lecturers/", views.lecturer_list, name="lecturer-list"),
]
