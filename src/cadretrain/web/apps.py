from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cadretrain.web"
    label = "web"
    verbose_name = "Giao diện"
