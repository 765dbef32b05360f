"""Sign-in form with lockout after repeated failures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from cadretrain.accounts.services import login_failure_record, login_is_locked, login_success_record
from cadretrain.core.errors import message_for


class LockoutAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "").strip()
        if username and login_is_locked(username):
            raise forms.ValidationError(
                message_for("login_locked", {"minutes": settings.LOGIN_LOCKOUT_MINUTES}),
                code="locked",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                login_failure_record(username, self.request.META.get("REMOTE_ADDR") if self.request else None)
            raise
        login_success_record(username)
        return cleaned
