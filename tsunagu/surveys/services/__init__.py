"""Survey services: every write of the app (definitions, responses, imports, invitations, follow-ups)."""
