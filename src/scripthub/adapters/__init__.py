"""Implementations of the application ports, one package per technology."""
