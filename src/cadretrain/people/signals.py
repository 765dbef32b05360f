"""Signals of bulk changes to people written without the model's save (the importer's UPDATEs), for
the tables derived from people to follow in the writer's transaction."""

from django.dispatch import Signal

# person_ids: existing people whose management tier a bulk write changed (form 10 files leaders by
# tier). A person's save sends post_save instead.
tiers_changed = Signal()
