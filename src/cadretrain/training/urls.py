from django.urls import path

from cadretrain.training import views

app_name = "training"

urlpatterns = [
    path("", views.class_list, name="index"),
    path("classes/", views.class_list, name="class-list"),
    path("classes/new/", views.class_create, name="class-create"),
    path("classes/<str:code>/", views.class_detail, name="class-detail"),
    path("classes/<str:code>/edit/", views.class_edit, name="class-edit"),
    path("classes/<str:code>/transition/", views.class_transition, name="class-transition"),
    path("classes/<str:code>/sessions/", views.session_create, name="session-create"),
    path("classes/<str:code>/enrol/", views.enrol, name="enrol"),
    path("classes/<str:code>/nominate/", views.nominate, name="nominate"),
    path("classes/<str:code>/attendance/", views.attendance_save, name="attendance-save"),
    path("classes/<str:code>/components/", views.component_create, name="component-create"),
    path("classes/<str:code>/scores/", views.scores_save, name="scores-save"),
    path("classes/<str:code>/results/", views.results_finalise, name="results-finalise"),
    path("enrolments/<int:pk>/feedback/", views.feedback_form, name="feedback-form"),
    path("enrolments/<int:pk>/<str:verb>/", views.enrolment_action, name="enrolment-action"),
    path("certificates/<int:pk>/pdf/", views.certificate_download, name="certificate-pdf"),
    path("certificates/<int:pk>/<str:verb>/", views.certificate_action, name="certificate-action"),
    path("me/", views.my_learning, name="my-learning"),
    path("feedback/", views.feedback_overview, name="feedback-overview"),
    path("people/<str:code>/classes/", views.person_classes, name="person-classes"),
]
