"""Forms only parse input; the rules live in people/services.py. Unit choices come from the units
the actor may see, so a form can never offer a unit outside the actor's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import (
    LEVEL_CHOICES,
    Category,
    Dimension,
    Gender,
    ManagementTier,
    RankCode,
)
from cadretrain.domain.access import Actor
from cadretrain.org.models import Position
from cadretrain.org.selectors import unit_choices

BLANK = [("", "—")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# A service error code → the form field it concerns (others are shown above the form).
FIELD_OF_ERROR = {
    "person_code_required": "code",
    "person_code_taken": "code",
    "full_name_required": "full_name",
    "birth_date_required": "birth_date",
    "invalid_gender": "gender",
    "unknown_category": "category",
    "unknown_tier": "management_tier",
    "unknown_rank": "rank_code",
    "invalid_national_id": "national_id",
    "unknown_dimension": "dimension",
    "unknown_level": "level",
    "language_only_for_foreign_language": "language",
}


class UnitChoiceMixin:
    """Fills the `unit` field with the units the actor may see, in tree order."""

    def set_unit_choices(self, actor: Actor, blank: bool = False) -> None:
        field = self.fields["unit"]  # type: ignore[attr-defined]
        field.choices = (BLANK if blank else []) + unit_choices(actor=actor)


class PersonForm(forms.Form):
    """A person's attributes (edit); the create form adds code, unit and position."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    birth_date = forms.DateField(label=_("Ngày sinh"), widget=DateInput())
    gender = forms.ChoiceField(label=_("Giới tính"), choices=Gender.choices)
    category = forms.ChoiceField(label=_("Loại cán bộ"), choices=Category.choices)
    management_tier = forms.ChoiceField(label=_("Diện quản lý"), choices=BLANK + ManagementTier.choices,
                                        required=False)
    rank_code = forms.ChoiceField(label=_("Ngạch / hạng"), choices=BLANK + RankCode.choices, required=False)
    party_member = forms.BooleanField(label=_("Đảng viên"), required=False)
    ethnicity = forms.CharField(label=_("Dân tộc"), max_length=40, required=False)
    # No max_length: the service explains what a national ID must look like.
    national_id = forms.CharField(label=_("Số CCCD"), required=False,
                                  help_text=_("12 chữ số"))
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=20, required=False)
    joined_on = forms.DateField(label=_("Ngày vào cơ quan"), required=False, widget=DateInput())
    left_on = forms.DateField(label=_("Ngày nghỉ"), required=False, widget=DateInput())

    def person_fields(self) -> dict[str, Any]:
        """The attributes for person_create / person_update."""
        return {name: self.cleaned_data[name] for name in PersonForm.base_fields}


class PersonCreateForm(UnitChoiceMixin, PersonForm):
    code = forms.CharField(label=_("Mã cán bộ"), max_length=40)
    unit = forms.ChoiceField(label=_("Đơn vị"))
    position = forms.ModelChoiceField(label=_("Vị trí việc làm"), queryset=Position.objects.all(), empty_label="—",
                                      required=False)

    field_order = ["code", "full_name", "unit", "position"]

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_unit_choices(actor)


class CredentialForm(forms.Form):
    dimension = forms.ChoiceField(label=_("Loại trình độ"), choices=Dimension.choices)
    level = forms.ChoiceField(label=_("Trình độ"), choices=LEVEL_CHOICES)
    language = forms.CharField(label=_("Ngoại ngữ"), max_length=8, required=False,
                               help_text=_("Mã ngôn ngữ, ví dụ en, fr (chỉ với trình độ ngoại ngữ)"))
    field = forms.CharField(label=_("Chuyên ngành"), max_length=255, required=False)
    issued_on = forms.DateField(label=_("Ngày cấp"), widget=DateInput())
    issuer = forms.CharField(label=_("Nơi cấp"), max_length=255, required=False)
    certificate_no = forms.CharField(label=_("Số hiệu"), max_length=64, required=False)


class TransferForm(UnitChoiceMixin, forms.Form):
    unit = forms.ChoiceField(label=_("Đơn vị mới"))
    position = forms.ModelChoiceField(label=_("Vị trí việc làm"), queryset=Position.objects.all(), empty_label="—",
                                      required=False)
    on = forms.DateField(label=_("Từ ngày"), widget=DateInput())

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_unit_choices(actor)
