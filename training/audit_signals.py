"""Adapter: a newly registered model version gets its automatic bias audit (training/audit.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from training.models import ModelVersion


@receiver(post_save, sender=ModelVersion, dispatch_uid="training.audit_on_new_version")
def _audit_new_version(sender: type, instance: ModelVersion, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        from training.audit import audit_on_new_version

        audit_on_new_version(version=instance)
