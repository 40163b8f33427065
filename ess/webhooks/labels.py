"""What admins read for each event type."""
from flask_babel import lazy_gettext as _l

EVENT_LABELS = {
    "approval.decided": _l("Every decided request (approved, rejected, withdrawn or cancelled)"),
    "approval.approved": _l("Approved"),
    "approval.rejected": _l("Rejected"),
    "approval.withdrawn": _l("Withdrawn"),
    "approval.cancelled": _l("Cancelled"),
    "webhook.test": _l("Test event"),
}
