"""The curated list of words a search treats as one (variant spellings, synonyms), kept by
staff and applied when a query is read, never to the index (a change needs no re-index)."""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import versions
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import SynonymGroup, User
from marketplace.permissions import require
from marketplace.search.words import (
    MAX_WORD_CHARS,
    WORDS_VERSION,
    Cached,
    normalise,
    tokens,
)
from marketplace.services.staff import audit

#: The list a new database starts with (the migration that adds the table inserts the same).
DEFAULT_GROUPS = (
    ("keripik", "kripik"), ("sambal", "sambel"), ("tenun", "tenunan"), ("kaos", "kaus"),
    ("kerupuk", "krupuk"), ("rengginang", "ranginang"), ("talenan", "telenan"),
    ("wedang", "wedhang"), ("sarung", "sarong"), ("kemeja", "hem"), ("dompet", "wallet"),
    ("kopi", "coffee"), ("teh", "tea"),
)
MAX_GROUP_WORDS = 10
#: Shared by a process's readers; reloaded with the vocabulary (the "search-words" version,
#: which a saved synonym group ends in every process).
CACHE = Cached(ttl=600)


def _clean(raw: str) -> str:
    """The words of a group as stored ("Keripik,  KRIPIK" -> "keripik, kripik").

    :raises ValidationError: fewer than two words, too many, a word too long, or a
        phrase (a group holds single words).
    """
    parts = [p.strip() for p in str(raw or "").split(",") if p.strip()]
    words: list[str] = []
    for part in parts:
        found = tokens(part)
        if len(found) != 1 or normalise(part) != found[0]:
            raise ValidationError(_("Each word must be a single word of letters or digits, "
                                    "separated by commas: “%(word)s” is not.", word=part[:60]),
                                  field="words")
        if len(found[0]) >= MAX_WORD_CHARS:
            raise ValidationError(_("Words are at most %(n)d letters.", n=MAX_WORD_CHARS - 1),
                                  field="words")
        if found[0] not in words:
            words.append(found[0])
    if not 2 <= len(words) <= MAX_GROUP_WORDS:
        raise ValidationError(_("A group needs between 2 and %(n)d different words.",
                                n=MAX_GROUP_WORDS), field="words")
    return ", ".join(words)


def synonym_groups(staff: User) -> list[SynonymGroup]:
    """Every group, alphabetically.

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    return list(db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.words)))


def add_synonym_group(staff: User, raw: str) -> SynonymGroup:
    """Add a group of words to treat as one, e.g. "keripik, kripik".

    :raises PermissionDenied: not staff.
    :raises ValidationError: not 2-10 single words, or the same group exists.
    """
    require(staff, "staff.work")
    words = _clean(raw)
    if db.session.scalar(select(SynonymGroup.id).where(SynonymGroup.words == words)):
        raise ValidationError(_("This group is already in the list."), field="words")
    group = SynonymGroup(words=words, created_by_id=staff.id)
    db.session.add(group)
    db.session.flush()
    audit.record(staff, "synonyms.add", group, None, {"words": words})
    return group


def delete_synonym_group(staff: User, group_id: int) -> None:
    """Remove a group (the audit log keeps its words).

    :raises PermissionDenied: not staff.
    :raises NotFound: no such group.
    """
    require(staff, "staff.work")
    group = db.session.get(SynonymGroup, group_id)
    if group is None:
        raise NotFound()
    audit.record(staff, "synonyms.delete", group, {"words": group.words}, None)
    db.session.delete(group)
    db.session.flush()


def install_defaults() -> int:
    """Insert the default groups that are missing (seeding); returns how many were added."""
    have = set(db.session.scalars(select(SynonymGroup.words)))
    missing = [", ".join(g) for g in DEFAULT_GROUPS if ", ".join(g) not in have]
    db.session.add_all(SynonymGroup(words=words) for words in missing)
    db.session.flush()
    return len(missing)


def synonym_map() -> dict[str, tuple[str, ...]]:
    """For each listed word, the other words of its groups."""
    def load() -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for words in db.session.scalars(select(SynonymGroup.words)):
            group = words.split(", ")
            for word in group:
                found.setdefault(word, []).extend(w for w in group if w != word)
        return {word: tuple(dict.fromkeys(others)) for word, others in found.items()}

    return CACHE.get(str(db.engine.url), load, versions.current(WORDS_VERSION))
