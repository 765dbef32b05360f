from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "cadretrain.catalogue"
    label = "catalogue"
    verbose_name = "Danh mục đào tạo"
