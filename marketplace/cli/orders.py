"""CLI commands for the orders area."""

commands: list = []
