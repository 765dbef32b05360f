from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "cadretrain.standards"
    label = "standards"
    verbose_name = "Tiêu chuẩn"
