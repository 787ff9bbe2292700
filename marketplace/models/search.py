"""Curated search vocabulary: groups of words buyers use for the same thing."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.clock import utcnow
from marketplace.extensions import db


class SynonymGroup(db.Model):
    """Words a search treats as one (variant spellings and synonyms), e.g. keripik, kripik."""

    __tablename__ = "synonym_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The group's words, normalised (lower case, no diacritics), separated by ", ".
    words: Mapped[str] = mapped_column(String(400), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def word_list(self) -> list[str]:
        return self.words.split(", ")
