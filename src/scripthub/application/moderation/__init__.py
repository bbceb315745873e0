"""Moderation: reports, their resolution, the public log of what moderators did, and
takedowns."""
