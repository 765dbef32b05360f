from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "cadretrain.plans"
    label = "plans"
    verbose_name = "Kế hoạch"
