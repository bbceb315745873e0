"""Use cases that administer roles and permissions."""
