from django.urls import path

from cadretrain.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/items/", views.item_add, name="item-add"),
    path("<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item-delete"),
    path("<int:pk>/propose/", views.propose_items, name="propose-items"),
    path("<int:pk>/action/", views.plan_action, name="plan-action"),
    path("overlaps/", views.overlaps, name="overlaps"),
    path("overlaps/merge/", views.overlap_merge, name="overlap-merge"),
    path("overlaps/scan/", views.overlap_scan, name="overlap-scan"),
    path("overlaps/status/", views.overlap_status, name="overlap-status"),
    path("allocation/", views.allocation, name="allocation"),
    path("allocation/<int:pk>/", views.allocation_detail, name="allocation-detail"),
    path("allocation/<int:pk>/accept/", views.allocation_accept, name="allocation-accept"),
]
