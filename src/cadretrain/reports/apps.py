from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cadretrain.reports"
    label = "reports"
    verbose_name = "Báo cáo"

    def ready(self) -> None:
        from cadretrain.reports import form10_cells, summaries, unit_classes

        summaries.connect()
        unit_classes.connect()
        form10_cells.connect()
