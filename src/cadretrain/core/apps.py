from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cadretrain.core"
    label = "core"
    verbose_name = "Hệ thống"
