"""Sign-in: OIDC single sign-on, the demo sign-in, roles from groups and session rules."""
