"""The audit trail: recording entries from use cases, and reading them back."""
