"""Versions of cached results: a name (the catalogue, one store's sales) gets a new random
version whenever a transaction that changed rows it depends on commits, so anything cached
under the old version is never read again.

Modules declare what they depend on with `watch(kind_of_change)`; the listeners below see ORM
flushes and ORM-enabled bulk statements (the conditional stock UPDATE, refunds) alike. Random
tokens rather than counters: two processes bumping at once must not both write the same
number and leave results of the first change in place.
"""

import secrets
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import cache

_CHANGED = "changed_versions"
#: Functions mapping a changed ORM object, or a mapped class touched by a bulk statement, to
#: the names of the versions it ends.
_watchers: list[Callable[[object], Iterable[str]]] = []
#: What to do once a commit has ended a name's version (see `when_changed`).
_followers: dict[str, list[Callable[[], None]]] = {}


def caching_on() -> bool:
    """False when PAGE_CACHE_SECONDS is 0 (the default under tests): the one setting that
    switches off every cache of pages and figures."""
    return current_app.config.get("PAGE_CACHE_SECONDS", 0 if current_app.testing else 60) > 0


T = TypeVar("T")


def cached(key: str, compute: Callable[[], T], *, of: Iterable[str],
           timeout: int = 24 * 3600) -> T:
    """`compute()`, kept under `key` and the current versions of the names `of` (what it
    reads), so that a change ending one of them makes a new key; computed every time when
    caching is off (no version is read then)."""
    if not caching_on():
        return compute()
    key = ":".join((key, *(current(name) for name in of)))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=timeout)
    return value


def watch(names_for: Callable[[object], Iterable[str]]) -> None:
    """Register `names_for(obj_or_class)`: the version names a change to it ends."""
    _watchers.append(names_for)


def watch_models(name: str, models: tuple[type, ...]) -> None:
    """End the version of `name` on any change to rows of `models` (an object's, or a bulk
    statement's)."""

    def names_for(thing) -> tuple[str, ...]:
        kind = thing if isinstance(thing, type) else type(thing)
        return (name,) if issubclass(kind, models) else ()

    watch(names_for)


def when_changed(name: str, then: Callable[[], None]) -> None:
    """Call `then()` after each commit that ended the version of `name`, while caching is on
    (e.g. to queue the job that computes a slow result again before anyone asks for it)."""
    _followers.setdefault(name, []).append(then)


def current(name: str) -> str:
    """The version of `name` (a new one if the cache lost it)."""
    version = cache.get(f"version:{name}")
    return bump(name) if version is None else version


def bump(name: str) -> str:
    """Start a new version of `name`."""
    version = secrets.token_hex(8)
    cache.set(f"version:{name}", version, timeout=0)
    return version


def _note(session: Session, things: Iterable[object]) -> None:
    note(session, {name for thing in things for names_for in _watchers
                   for name in names_for(thing)})


def note(session: Session, names: Iterable[str]) -> None:
    """End the versions `names` when this session's transaction commits (for changes a
    watcher cannot tell from the changed object or class alone)."""
    names = set(names)
    if names:
        session.info.setdefault(_CHANGED, set()).update(names)


@event.listens_for(Session, "after_flush")
def _note_flushed_rows(session: Session, _context) -> None:
    _note(session, chain(session.new, session.dirty, session.deleted))


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        _note(state.session, [state.bind_mapper.class_])


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    names = session.info.pop(_CHANGED, None)
    if names and has_app_context():
        for name in names:
            bump(name)
        if caching_on():
            for then in chain.from_iterable(_followers.get(name, ()) for name in names):
                then()


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_CHANGED, None)
