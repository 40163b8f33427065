"""Webhooks: decided requests POSTed to subscribers' URLs, signed with HMAC, delivered through the outbox."""
