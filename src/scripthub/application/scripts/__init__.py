"""Use cases of the scripts catalogue."""
