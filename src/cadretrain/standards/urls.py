from django.urls import path

from cadretrain.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.gap_overview, name="gap-overview"),
    path("people/<str:code>/gaps/", views.person_gaps, name="person-gaps"),
    path("rules/", views.standard_list, name="standard-list"),
    path("rules/new/", views.standard_create, name="standard-create"),
    path("rules/<str:code>/", views.standard_detail, name="standard-detail"),
    path("eligibility/", views.eligibility, name="eligibility"),
]
