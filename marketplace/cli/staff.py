"""CLI commands for the staff area."""

commands: list = []
