"""The `cadretrain` console script: the same commands as `python manage.py`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cadretrain.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cadretrain", *sys.argv[1:]])


if __name__ == "__main__":
    main()
