"""URL map: the web UI per app, the API at /api/v1/, public certificate verification."""

from django.urls import include, path

from cadretrain.config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("cadretrain.accounts.urls")),
    path("verify/", include("cadretrain.training.public_urls")),
    path("", include("cadretrain.web.urls")),
]

# Each app with a urls.py gets its own prefix; apps added later need no edit here.
_APP_PREFIXES = {
    "org": "units/",
    "people": "people/",
    "standards": "standards/",
    "catalogue": "catalogue/",
    "training": "training/",
    "plans": "plans/",
    "abroad": "abroad/",
    "reports": "reports/",
    "interchange": "interchange/",
}


def _mount_app_urls() -> None:
    import importlib

    for app, prefix in _APP_PREFIXES.items():
        try:
            importlib.import_module(f"cadretrain.{app}.urls")
        except ModuleNotFoundError as exc:
            if exc.name != f"cadretrain.{app}.urls":
                raise
            continue
        urlpatterns.append(path(prefix, include(f"cadretrain.{app}.urls")))


_mount_app_urls()
