"""The facilitator's (pendamping's) workspace: caseload, assisted onboarding, acting for a store."""

from flask import Blueprint

bp = Blueprint("pendamping", __name__, url_prefix="/pendamping")

from blueprints.pendamping import views  # noqa: E402,F401
