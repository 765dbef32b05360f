from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "cadretrain.people"
    label = "people"
    verbose_name = "Cán bộ, công chức, viên chức"
