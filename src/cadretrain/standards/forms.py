"""The standard-version form: the fields are collected here, every rule lives in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import Category, ManagementTier


class StandardVersionForm(forms.Form):
    code = forms.CharField(label=_("Mã tiêu chuẩn"), max_length=40)
    name = forms.CharField(label=_("Tên"), max_length=255, required=False)
    position_code = forms.CharField(label=_("Mã vị trí việc làm"), max_length=40, required=False)
    category = forms.ChoiceField(label=_("Loại cán bộ"), required=False,
                                 choices=[("", _("(mọi loại)")), *Category.choices])
    management_tier = forms.ChoiceField(label=_("Diện quản lý"), required=False,
                                        choices=[("", _("(mọi diện)")), *ManagementTier.choices])
    valid_from = forms.DateField(label=_("Hiệu lực từ"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Hiệu lực đến"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    legal_basis = forms.CharField(label=_("Căn cứ"), max_length=500, required=False)
    requirements = forms.CharField(
        label=_("Yêu cầu (mỗi dòng: nhóm; loại; mức tối thiểu; ngoại ngữ)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Các dòng cùng nhóm là phương án thay thế (HOẶC); các nhóm phải cùng đạt (VÀ). "
                    "Ví dụ: 1; EDUCATION; DAI_HOC"),
    )
