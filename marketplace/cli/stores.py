"""CLI commands for the stores area."""

commands: list = []
