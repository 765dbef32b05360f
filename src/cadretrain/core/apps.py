from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cadretrain.core"
    label = "core"
    verbose_name = "Hệ thống"

    def ready(self) -> None:
        from cadretrain.core import versions

        versions.connect()
