"""The balance, pure: a walk through ledger rows (and what accrual says is due but not yet written).

The balance as of a date is the sum of its lines. Lines are the stored rows effective by then, plus
projected lines: grants the accrual rule gives that are not written yet, and the expiry (and carry-over)
of grants that end by then without a stored expiry. `flask ess leave accrue` writes exactly the
projected lines, so running it changes what is stored, never the balance.

Days are drawn from the grant that expires first. Pending requests reserve their days after the walk.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ess.leave.accrual import Grant, add_months

GRANT, CARRY, USE, EXPIRY, CANCEL, ADJUST = "grant", "carry_over", "use", "expiry", "cancellation", "adjustment"
FAR = date(9999, 12, 31)


@dataclass
class Row:
    """A ledger row as the walk needs it (stored rows are adapted with `Row.of`)."""

    kind: str
    effective_on: date
    days: float
    expires_on: date | None = None
    key: str | None = None
    note: str = ""
    reason: str = ""
    request_id: int | None = None
    projected: bool = False
    id: int | None = None

    @classmethod
    def of(cls, entry) -> Row:
        kind = entry.kind.value if hasattr(entry.kind, "value") else entry.kind
        return cls(kind, entry.effective_on, float(entry.days), entry.expires_on, entry.key, entry.note or "",
                   entry.reason or "", entry.request_id, False, entry.id)


@dataclass
class Lot:
    key: str
    kind: str
    granted_on: date
    days: float
    expires_on: date | None
    remaining: float
    closed: bool = False


@dataclass
class Line:
    row: Row
    running: float  # the balance after this line


@dataclass
class Balance:
    leave_type: str
    as_of: date
    granted: float
    used: float
    pending: float
    available: float
    grants: list[Lot] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(line.row.days for line in self.lines), 2)

    def recent_lines(self) -> tuple[float, date | None, list[Line]]:
        """(opening balance, its date, lines since) from the oldest grant still valid: long histories stay
        readable, and the opening balance plus the lines shown is still the balance."""
        starts = [lot.granted_on for lot in self.grants]
        if not starts:
            return 0.0, None, self.lines
        cutoff = min(starts)
        earlier = [line for line in self.lines if line.row.effective_on < cutoff]
        later = [line for line in self.lines if line.row.effective_on >= cutoff]
        return (earlier[-1].running if earlier else 0.0), (cutoff if earlier else None), later

    def projected_rows(self) -> list[Row]:
        return [line.row for line in self.lines if line.row.projected]


_ORDER = {EXPIRY: 0, GRANT: 1, CARRY: 1, CANCEL: 2, ADJUST: 2, USE: 3}


def compute(leave_type: str, rows: list, as_of: date, *, due: list[Grant] = (), pending: float = 0.0,
            carry_over_days: float = 0.0, carry_over_months: int = 12) -> Balance:
    stored = [r if isinstance(r, Row) else Row.of(r) for r in rows]
    stored = [r for r in stored if r.effective_on <= as_of]
    stored_keys = {r.key for r in stored if r.key}
    events = list(stored)
    for grant in due:
        if grant.key not in stored_keys and grant.granted_on <= as_of:
            events.append(Row(GRANT, grant.granted_on, grant.days, grant.expires_on, grant.key, grant.note,
                              projected=True))
    events.sort(key=lambda r: (r.effective_on, _ORDER.get(r.kind, 9), r.id or 0))

    lots: dict[str, Lot] = {}
    lines: list[Line] = []
    running = 0.0

    def emit(row: Row) -> None:
        nonlocal running
        running = round(running + row.days, 2)
        lines.append(Line(row, running))

    def expire_until(day: date) -> None:
        for lot in sorted(lots.values(), key=lambda lot: lot.expires_on or FAR):
            if lot.closed or lot.expires_on is None or lot.expires_on > day:
                continue
            if f"expiry:{lot.key}" in stored_keys:
                continue  # a stored expiry row closes it
            lot.closed = True
            if lot.remaining > 0:
                emit(Row(EXPIRY, lot.expires_on, -lot.remaining, key=f"expiry:{lot.key}", note=lot.kind,
                         projected=True))
                carried = min(lot.remaining, carry_over_days) if lot.kind == GRANT else 0
                carry_key = f"carry:{lot.key}"
                if carried > 0 and carry_key not in stored_keys:
                    carry = Row(CARRY, lot.expires_on, carried, add_months(lot.expires_on, carry_over_months),
                                carry_key, "carry_over", projected=True)
                    emit(carry)
                    lots[carry_key] = Lot(carry_key, CARRY, carry.effective_on, carried, carry.expires_on, carried)
            lot.remaining = 0

    def consume(day: date, amount: float) -> None:
        for lot in sorted(lots.values(), key=lambda lot: (lot.expires_on or FAR, lot.granted_on)):
            if amount <= 0:
                return
            if lot.closed or lot.remaining <= 0:
                continue
            take = min(lot.remaining, amount)
            lot.remaining = round(lot.remaining - take, 2)
            amount = round(amount - take, 2)

    def refund(row: Row, key: str) -> None:
        lots[key] = Lot(key, row.kind, row.effective_on, row.days, row.expires_on, row.days)

    for row in events:
        expire_until(row.effective_on)
        if row.kind == EXPIRY:
            grant_key = (row.key or "").removeprefix("expiry:")
            if grant_key in lots:
                lots[grant_key].closed = True
                lots[grant_key].remaining = 0
            emit(row)
            continue
        emit(row)
        if row.kind in (GRANT, CARRY):
            lots[row.key or f"row:{row.id}"] = Lot(row.key or f"row:{row.id}", row.kind, row.effective_on, row.days,
                                                  row.expires_on, row.days)
        elif row.days > 0:  # cancellation refunds and positive adjustments are days to use again
            refund(row, row.key or f"row:{row.id or len(lines)}")
        elif row.days < 0:
            consume(row.effective_on, -row.days)
    expire_until(as_of)

    valid = [lot for lot in lots.values() if not lot.closed and lot.granted_on <= as_of
             and (lot.expires_on is None or lot.expires_on > as_of) and lot.kind in (GRANT, CARRY, ADJUST, CANCEL)]
    total = round(sum(line.row.days for line in lines), 2)
    granted = round(sum(lot.days for lot in valid if lot.kind in (GRANT, CARRY, ADJUST)), 2)
    pending = round(pending, 2)
    used = round(granted - total, 2)
    return Balance(leave_type, as_of, granted=granted, used=used, pending=pending,
                   available=round(total - pending, 2),
                   grants=sorted((lot for lot in valid if lot.kind in (GRANT, CARRY, ADJUST)),
                                 key=lambda lot: lot.granted_on),
                   lines=lines)
