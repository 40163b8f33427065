"""Benefits: plans, options, enrolment windows, life events and enrolments (issue 6)."""
