"""Background overlap scan through Django's tasks API (the ImmediateBackend runs it inline in
development and tests; a worker backend runs it elsewhere and nothing here changes). Progress is
written to the scan's JobRun: the scan holds no transaction while it computes, so the updates do
not wait on anything."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task
def overlap_scan_job(scan_id: int) -> dict[str, Any]:
    """Compute one queued overlap scan as the user who asked for it (the system for the CLI)."""
    from cadretrain.domain.access import Actor
    from cadretrain.plans.models import OverlapScan
    from cadretrain.plans.services import overlap_scan_run

    scan = OverlapScan.objects.select_related("job__owner__unit").get(pk=scan_id)
    if not scan.running:
        return {"skipped": True}
    owner = scan.job.owner if scan.job else None
    actor = owner.to_actor() if owner is not None else Actor.system()  # type: ignore[attr-defined]
    done = overlap_scan_run(scan_id=scan_id, actor=actor)
    return {"clusters": len(done.clusters), "members": done.members}
