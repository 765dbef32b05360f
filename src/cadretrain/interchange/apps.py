from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "cadretrain.interchange"
    label = "interchange"
    verbose_name = "Trao đổi dữ liệu"
