"""Labels for requirement codes in templates."""

from django import template

from cadretrain.core.choices import LEVEL_LABELS, RequirementDimension

register = template.Library()
_DIMENSIONS = dict(RequirementDimension.choices)


@register.filter
def level_label(code: str) -> str:
    return str(LEVEL_LABELS.get(code, code)) if code else ""


@register.filter
def dimension_label(code: str) -> str:
    return str(_DIMENSIONS.get(code, code)) if code else ""
