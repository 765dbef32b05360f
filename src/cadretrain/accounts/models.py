"""Users with one role and its scope, API tokens and the login-failure log used for lockout."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadretrain.domain.access import Actor, Role


class User(AbstractUser):
    """A signed-in user. Officers and viewers are scoped to a unit subtree, institution staff to an
    institution, learners to their own person record; city admins see everything."""

    class RoleChoice(models.TextChoices):
        CITY_ADMIN = "CITY_ADMIN", _("Quản trị thành phố")
        UNIT_OFFICER = "UNIT_OFFICER", _("Cán bộ phụ trách đơn vị")
        INSTITUTION_STAFF = "INSTITUTION_STAFF", _("Cán bộ cơ sở đào tạo")
        LEARNER = "LEARNER", _("Học viên")
        VIEWER = "VIEWER", _("Người xem")

    role = models.CharField(_("Vai trò"), max_length=20, choices=RoleChoice.choices,
                            default=RoleChoice.VIEWER)
    unit = models.ForeignKey("org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="users", verbose_name=_("Đơn vị"))
    institution = models.ForeignKey("catalogue.Institution", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="users",
                                    verbose_name=_("Cơ sở đào tạo"))
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="users", verbose_name=_("Cán bộ"))

    class Meta:
        verbose_name = _("Người dùng")
        verbose_name_plural = _("Người dùng")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["UNIT_OFFICER", "VIEWER"]) | Q(unit__isnull=False),
                name="user_unit_scoped_roles_have_unit",
            ),
            models.CheckConstraint(
                condition=~Q(role="INSTITUTION_STAFF") | Q(institution__isnull=False),
                name="user_institution_staff_have_institution",
            ),
            models.CheckConstraint(
                condition=~Q(role="LEARNER") | Q(person__isnull=False),
                name="user_learner_has_person",
            ),
        ]

    def to_actor(self) -> Actor:
        return Actor(
            user_id=self.pk,
            role=Role(self.role),
            unit_path=self.unit.path if self.unit_id else None,  # type: ignore[union-attr]
            institution_id=self.institution_id,
            person_id=self.person_id,
            username=self.username,
        )


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("Mã truy cập API")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.prefix}…"


class LoginFailure(models.Model):
    """A failed sign-in; enough of them inside the window lock the username."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username} {self.at}"
