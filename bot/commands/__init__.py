"""The /loops slash command: a registry of subcommands, each declared once with its help."""
