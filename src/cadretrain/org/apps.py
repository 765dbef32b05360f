from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cadretrain.org"
    label = "org"
    verbose_name = "Tổ chức"
