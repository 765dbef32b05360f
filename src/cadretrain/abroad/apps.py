from django.apps import AppConfig


class AbroadConfig(AppConfig):
    name = "cadretrain.abroad"
    label = "abroad"
    verbose_name = "Đào tạo nước ngoài"
