"""The JSON API under /api/v1: conventions, the OpenAPI document and its reference page."""
