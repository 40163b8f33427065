"""Service tokens: named, scoped bearer tokens for programs (the API under /api/v1 and SCIM)."""
