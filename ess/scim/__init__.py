"""SCIM 2.0 provisioning at /scim/v2: the identity provider creates, updates and deactivates people and
keeps groups, whose names give roles through ESS_ROLE_GROUPS exactly as the sign-in `groups` claim does."""
