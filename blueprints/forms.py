"""Bases of every form: WTForms' built-in messages (required, length...) in the user's language.

WTForms ships no Indonesian catalog, so its built-in messages are read from the app's own
catalogs (translations/seams holds them), through the same Babel translations as every page.
"""

from collections.abc import Iterable

from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import Form as _PlainForm
from wtforms import SelectChoice

from marketplace.regions import province_choices


class _AppTranslations:
    """WTForms' translations interface over the app's merged Babel catalogs."""

    def gettext(self, string: str) -> str:
        # Not flask_babel.gettext: it would %-format the message, WTForms does that itself.
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


_TRANSLATIONS = _AppTranslations()


class Form(FlaskForm):
    """Every form of the site: CSRF from Flask-WTF, messages in the user's language."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS


class SubForm(_PlainForm):
    """A group of fields repeated inside a Form (FormField, FieldList): no CSRF of its own."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select, radio or checkbox list (WTForms 3.3
    deprecates bare tuples there)."""
    return [SelectChoice(value, label) for value, label in pairs]


def province_options(first_label: str) -> list[SelectChoice]:
    """The provinces by name, after a first option without a value ("Choose a province")."""
    return options([("", first_label), *province_choices()])
