"""Reports of scripts and their moderation: filing, rebutting, the moderators' queue and
their decisions, and the public log of what they did."""
