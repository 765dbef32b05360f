from django.urls import path

from cadretrain.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("summary/", views.summary_view, name="summary"),
    path("form10/", views.form10_view, name="form10"),
    path("classes/", views.drill_classes_view, name="drill-classes"),
    path("learners/", views.drill_learners_view, name="drill-learners"),
    path("standing-committee/", views.drill_tier_view, name="drill-tier"),
]
