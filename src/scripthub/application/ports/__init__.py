"""Interfaces the use cases need; adapters implement them."""
