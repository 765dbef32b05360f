from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "cadretrain.training"
    label = "training"
    verbose_name = "Đào tạo, bồi dưỡng"

    def ready(self) -> None:
        from cadretrain.training import summaries

        summaries.connect()
