"""Moderation: reports, their resolution, and takedowns."""
