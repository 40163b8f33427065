"""One request/decision engine for every kind of request; domains register kinds, never decide here."""
