"""`cadretrain export_workbook PATH [--unit CODE]`: the interchange format, by PATH's extension
(.xlsx, .zip of CSVs, otherwise a folder of CSVs)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandParser

from cadretrain.core.errors import error_message
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import DomainError
from cadretrain.interchange.services import workbook_export


class Command(BaseCommand):
    help = "Export units, people, training and standards in the interchange workbook format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--unit", default=None, help="only this unit's subtree")

    def handle(self, *args: object, **options: object) -> None:
        try:
            counts = workbook_export(actor=Actor.system(), path=str(options["path"]),
                                     unit_code=options["unit"] or None)  # type: ignore[arg-type]
        except DomainError as exc:
            self.stderr.write(error_message(exc))
            sys.exit(1)
        for sheet, n in counts.items():
            self.stderr.write(f"{sheet}: {n:,}")
