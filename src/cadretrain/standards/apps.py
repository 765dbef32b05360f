from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "cadretrain.standards"
    label = "standards"
    verbose_name = "Tiêu chuẩn"

    def ready(self) -> None:
        from cadretrain.standards import compliance

        compliance.connect()
