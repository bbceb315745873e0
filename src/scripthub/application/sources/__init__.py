"""Script sources: linking a script to a file elsewhere, and syncing its versions from it."""
