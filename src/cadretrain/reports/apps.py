from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cadretrain.reports"
    label = "reports"
    verbose_name = "Báo cáo"
