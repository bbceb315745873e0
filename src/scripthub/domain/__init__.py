"""Entities, value objects and pure rules. Imports nothing but the standard library."""
