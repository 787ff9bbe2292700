"""Indonesia's 38 provinces (Kemendagri codes), shipped as data with the project."""

import json
from pathlib import Path

from flask_babel import gettext as _

from marketplace.errors import ValidationError

PROVINCES: dict[str, str] = json.loads(
    (Path(__file__).parent / "data" / "provinces.json").read_text(encoding="utf-8")
)


def province_name(code: str | None) -> str:
    return PROVINCES.get(code or "", "")


def province_choices() -> list[tuple[str, str]]:
    """(code, name) sorted by name, for select boxes."""
    return sorted(PROVINCES.items(), key=lambda item: item[1])


def check_province(code: str, field: str = "province_code") -> str:
    if code not in PROVINCES:
        raise ValidationError(_("Choose a province from the list."), field=field)
    return code
