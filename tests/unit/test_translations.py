"""Every user-facing string in code and templates has an Indonesian translation."""

from pathlib import Path

from babel.messages.checkers import python_format
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> dict[str, str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for directory in ("marketplace", "blueprints", "templates"):
        # babel.cfg's patterns are relative to the project root.
        mapped = [(pattern.removeprefix(f"{directory}/"), method)
                  for pattern, method in method_map if pattern.startswith(directory)]
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            ROOT / directory, mapped, options_map, keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault(msgid, f"{directory}/{filename}:{lineno}")
    return found


def _indonesian_catalog() -> dict:
    messages = {}
    for po in sorted(ROOT.glob("translations/*/id/LC_MESSAGES/messages.po")):
        with open(po, "rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    messages[message.id if isinstance(message.id, str) else message.id[0]] = (
                        message
                    )
    return messages


def test_every_string_has_an_indonesian_translation():
    catalog = _indonesian_catalog()
    missing = {msgid: where for msgid, where in _source_messages().items()
               if msgid not in catalog}
    assert not missing, "untranslated: " + "; ".join(
        f"{where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda i: i[1])
    )


def test_translations_keep_their_placeholders():
    for message in _indonesian_catalog().values():
        if "%(" in str(message.id):
            message.flags.add("python-format")
            python_format(None, message)
