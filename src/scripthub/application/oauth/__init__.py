"""Signing in with Discord, Google or GitHub, and linking them to an account."""
