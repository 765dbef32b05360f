"""Signals that keep derived tables equal to the raw enrolments.

Every writer of enrolments (training services, the importer, the demo generator) sends one of
these inside its transaction; receivers (person-year periods here, the reports summary cube in
cadretrain.reports) refresh what they derive. Sending is cheap; receivers are set-based."""

from django.dispatch import Signal

# kwargs: person_ids: set[int], class_ids: set[int] — enrolments of these changed; optionally
# changes: a collection of (person_id, class_id, old status, new status) naming every enrolment
# that changed (None: no enrolment), which lets receivers move by the difference (the importer).
enrolments_changed = Signal()
# no kwargs: enrolments were (re)loaded in bulk; receivers rebuild from scratch.
enrolments_rebuilt = Signal()
