"""Use cases about accounts and profiles."""
