"""Pasar Mandiri: a marketplace for micro-industry entrepreneurs graduating from PKH."""

from marketplace.app import create_app

__all__ = ["create_app"]
