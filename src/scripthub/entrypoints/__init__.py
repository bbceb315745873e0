"""Ways into ScriptHub: the HTTP app, the CLI, settings and the composition root."""
