"""Personal access tokens: making, listing and revoking them, and authenticating with one."""
