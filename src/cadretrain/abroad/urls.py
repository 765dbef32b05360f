from django.urls import path

from cadretrain.abroad import views

app_name = "abroad"

urlpatterns = [
    path("", views.abroad_list, name="abroad-list"),
    path("missions/new/", views.mission_create, name="mission-create"),
    path("missions/<str:code>/", views.mission_detail, name="mission-detail"),
    path("missions/<str:code>/edit/", views.mission_edit, name="mission-edit"),
    path("missions/<str:code>/transition/", views.mission_transition, name="mission-transition"),
    path("missions/<str:code>/participants/", views.participant_add, name="participant-add"),
    path("missions/<str:code>/participants/from-class/", views.participants_from_class,
         name="participants-from-class"),
    path("participants/<int:pk>/", views.participant_update, name="participant-update"),
    path("participants/<int:pk>/remove/", views.participant_remove, name="participant-remove"),
    path("participants/<int:pk>/reimbursement/", views.reimbursement_assess, name="reimbursement-assess"),
    path("reimbursements/<int:pk>/settle/", views.reimbursement_settle, name="reimbursement-settle"),
    path("partners/", views.partner_list, name="partner-list"),
    path("commitments/", views.commitments, name="commitments"),
]
