"""Use cases (one per user intent) and the ports they need. Depends only on the domain."""
