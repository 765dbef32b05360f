"""Cross-cutting records: the audit trail and background job progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change to one record: who, when, what action, and the field values before and after."""

    at = models.DateTimeField(_("Thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("Người thực hiện"), max_length=150)
    action = models.CharField(_("Thao tác"), max_length=40)
    model = models.CharField(max_length=80)
    object_pk = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True)
    # The unit path of the record when it changed: lets a scoped viewer list only the events of
    # records in their subtree without joining every audited table.
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["model", "object_pk", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.model}#{self.object_pk}"


class JobRun(models.Model):
    """Progress of a long job (import, recompute, bulk PDF) so the page that started it can poll."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Đang chờ")
        RUNNING = "RUNNING", _("Đang chạy")
        DONE = "DONE", _("Hoàn tất")
        FAILED = "FAILED", _("Lỗi")

    kind = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"


class DataVersion(models.Model):
    """A counter per kind of data, raised after every committed change to it (core.versions):
    each process caches figures derived from that data (head-counts, list counts, compliance)
    under the counter's value, so a change made by any process is seen by all at once."""

    topic = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.topic}={self.version}"
