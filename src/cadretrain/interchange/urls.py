from django.urls import path

from cadretrain.interchange import views

app_name = "interchange"

urlpatterns = [
    path("", views.import_page, name="import"),
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job-status"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="job-confirm"),
    path("jobs/<int:pk>/errors.csv", views.job_errors, name="job-errors"),
    path("export.xlsx", views.export_download, name="export"),
    path("template.xlsx", views.template_download, name="template"),
]
