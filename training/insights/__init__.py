"""Reports over what the bot could not answer (docs/agent-workspace.md): the content-gaps report."""
