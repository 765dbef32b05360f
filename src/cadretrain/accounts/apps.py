from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cadretrain.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"
