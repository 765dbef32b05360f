"""Every interface (views, API, forms, commands, exports) reads scoped models only through
`visible_to(actor)`: this walks their source and fails on any other `Model.objects.<x>`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

from cadretrain.core.scoping import ScopedQuerySet

SRC = Path(__file__).resolve().parents[2] / "src" / "cadretrain"
INTERFACE_FILES = ("views.py", "api.py", "forms.py", "exports.py")


def scoped_model_names() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if isinstance(model._default_manager.get_queryset(), ScopedQuerySet)
    }


def interface_files() -> list[Path]:
    files = [p for name in INTERFACE_FILES for p in SRC.rglob(name)]
    files += list(SRC.rglob("management/commands/*.py"))
    return sorted(files)


def unscoped_uses(path: Path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        # Model.objects.<method>  where <method> is not visible_to
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in names
            and node.attr != "visible_to"
        ):
            problems.append(f"{path.name}:{node.lineno} {node.value.value.id}.objects.{node.attr}")
    return problems


def test_scoped_models_are_known():
    assert {"Person", "OrgUnit", "TrainingClass", "Enrolment"} <= scoped_model_names()


@pytest.mark.parametrize("path", interface_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_interface_reads_scoped_models_only_through_visible_to(path: Path):
    assert unscoped_uses(path, scoped_model_names()) == []


def test_the_guard_catches_an_unscoped_query(tmp_path: Path):
    bad = tmp_path / "views.py"
    bad.write_text("def v(request):\n    return Person.objects.filter(code='x')\n", encoding="utf-8")
    assert unscoped_uses(bad, {"Person"}) == ["views.py:2 Person.objects.filter"]
