"""Mail: what we send, the single-use links in it, and the outbox dispatcher."""
