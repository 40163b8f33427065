"""Words people see for states, steps and history entries."""
from flask_babel import lazy_gettext as _l

from ess.approvals.models import ApprovalState, StepState

STATE_LABELS = {
    ApprovalState.pending: _l("pending"),
    ApprovalState.approved: _l("approved"),
    ApprovalState.rejected: _l("rejected"),
    ApprovalState.withdrawn: _l("withdrawn"),
    ApprovalState.cancelled: _l("cancelled"),
}

STEP_LABELS = {
    StepState.waiting: _l("waiting"),
    StepState.pending: _l("waiting for decision"),
    StepState.returned: _l("question to the requester"),
    StepState.approved: _l("approved"),
    StepState.rejected: _l("rejected"),
    StepState.skipped: _l("skipped"),
    StepState.closed: _l("closed"),
}

EVENT_LABELS = {
    "submitted": _l("submitted"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "sent_back": _l("asked a question"),
    "answered": _l("answered"),
    "withdrawn": _l("withdrew"),
    "cancelled": _l("cancelled"),
    "commented": _l("commented"),
    "applied": _l("took effect"),
}
