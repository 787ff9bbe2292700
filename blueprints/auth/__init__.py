"""Accounts: register, log in, log out, password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from blueprints.auth import setup, views  # noqa: E402,F401
