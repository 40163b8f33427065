"""Outgoing mail through an outbox: written with the change, delivered after commit by the worker."""
