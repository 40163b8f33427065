"""The iCalendar feed of approved leave (one all-day event per request; half days say so in the title)."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

from ess import clock


def feed(requests, *, name: str, type_name, host: str = "ess") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//ESS portal//leave//KO")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = clock.now()
    for request in requests:
        event = Event()
        event.add("uid", f"leave-{request.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", request.start_date)
        event.add("dtend", request.end_date + timedelta(days=1))
        title = f"{request.employee.name} · {type_name(request.leave_type)}"
        if request.start_half or request.end_half:
            title += f" ({request.days:g})"
        event.add("summary", title)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
