"""Use cases about signing in and sessions."""
