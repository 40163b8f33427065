"""Ask HR/IT: questions routed to a team by topic, answered in a thread, shared as public Q&A."""
