"""WSGI entry point (gunicorn cadretrain.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadretrain.config.settings")
application = get_wsgi_application()
