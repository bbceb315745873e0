"""The moderators' allow-list of `@require` and `@resource` hosts and URL prefixes."""
