"""CLI commands for the catalog area."""

commands: list = []
