"""What a typed word may mean: the indexed words it matches exactly, by its Indonesian root or
a curated variant spelling, or as a typo (Damerau–Levenshtein), chosen in Python from the
index's own vocabulary so that SQLite and PostgreSQL match exactly the same words.

The databases index words as written (lower-cased, without diacritics); every derivation is
decided here, once, and handed to the backend as plain lists of words.
"""

import bisect
import re
import sys
import time
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

MAX_QUERY_CHARS = 200
#: The version (see marketplace/versions.py) ended by changes to indexed text or synonyms.
WORDS_VERSION = "search-words"
MAX_TERMS = 8
MAX_WORD_CHARS = 40
#: Derived words kept per typed word (closest first, then most common): enough for every
#: plausible reading, few enough to keep the database's boolean query small.
MAX_TYPO_WORDS = 12
MAX_ROOT_WORDS = 24
#: A word being typed is looked up as the indexed words it begins when there are at most
#: this many, else as a prefix.
MAX_PREFIX_WORDS = 16

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case without diacritics, as both indexes store words ("Kué" -> "kue")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_in(text: str) -> frozenset[str]:
    """The words of a text as the indexes split it, each word interned: the same words recur
    in thousands of products, and the search's cache of their words keeps one copy of each."""
    return frozenset(map(sys.intern, _WORD.findall(normalise(text))))


def tokens(text: str) -> list[str]:
    """Words of a query, without any search syntax (quotes, *, NEAR, OR, :, -...)."""
    words = _WORD.findall(normalise((text or "")[:MAX_QUERY_CHARS]))
    return [w[:MAX_WORD_CHARS] for w in words][:MAX_TERMS]


def typo_budget(word: str, relaxed: bool = False) -> int:
    """Typos forgiven in a word: 0 under 5 letters (1 when `relaxed`: nothing matched),
    1 for 5-8 letters, 2 from 9 (Meilisearch's and Typesense's defaults). Numbers: none."""
    if word.isdigit():
        return 0
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 1 if relaxed and len(word) >= 3 else 0


@lru_cache(maxsize=1)
def _stemmer():
    """Sastrawi's stemmer without the factory's cache of every word it ever stemmed, which
    grew without end with the words buyers type (`stem` keeps a bounded one), and with its
    root words kept compact (RootWords)."""
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(RootWords(StemmerFactory().get_words()))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Indonesian root of a word (Nazief–Adriani, PySastrawi): "batiknya" -> "batik"."""
    if word.isdigit() or len(word) < 4:
        return word
    return _stemmer().stem(word) or word


def _root_candidates(root: str) -> tuple[str, ...]:
    """Parts that a derived form of `root` must contain: the root itself, or the root without
    its first letter, which me-/pe- swallow (tenun -> menenun, pukul -> memukul, sapu ->
    menyapu)."""
    if len(root) > 3 and root[0] in "ktps":
        return root, root[1:]
    return (root,)


@dataclass(frozen=True)
class Term:
    """One indexed word to look for; `prefix`: any word starting with it."""

    word: str
    prefix: bool = False


class PackedTerms(Sequence[str]):
    """Terms in one string, with where each begins: 100,000 numbers take 1 MB here, where a
    tuple of as many strings took 7 MB of a worker. Read by position (bisect, when sorted)."""

    def __init__(self, terms: Sequence[str]) -> None:
        self._text = "".join(terms)
        self._starts = array("I", accumulate(map(len, terms), initial=0))

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, at):  # a position, as bisect and iteration ask (never a slice)
        if not 0 <= at < len(self):
            raise IndexError(at)
        return self._text[self._starts[at]:self._starts[at + 1]]


class RootWords:
    """The ~30,000 root words of Sastrawi's dictionary, which its stemmer only asks whether a
    word is one of (`contains`): kept as their hashes in order, searched at C speed, beside
    the words in the same order to tell apart two words of one hash. 0.6 MB, where Sastrawi's
    own dictionary (a dict of strings) took 2.6 MB of every worker."""

    def __init__(self, words: Iterable[str]) -> None:
        kept = sorted({word for word in words if word and word.strip()}, key=hash)
        self._hashes = array("q", map(hash, kept))
        self._words = PackedTerms(kept)

    def contains(self, word: str | None) -> bool:
        if not word:  # the stemmer asks for None when a rule leaves nothing
            return False
        key = hash(word)
        at = bisect.bisect_left(self._hashes, key)
        while at < len(self._hashes) and self._hashes[at] == key:
            if self._words[at] == word:
                return True
            at += 1
        return False


class Vocabulary:
    """The indexed words with the number of products each appears in."""

    def __init__(self, counts: Iterable[tuple[str, int]]) -> None:
        words: dict[str, int] = {}
        numbers: dict[str, int] = {}
        for term, docs in counts:
            kept = numbers if any(c.isdigit() for c in term) else words
            kept[term] = kept.get(term, 0) + int(docs or 0)
        self.docs = words
        #: Words a typo may lead to: letters only (typos in numbers mean other numbers).
        self.words = sorted(words)
        #: Terms with digits (sizes, years, product numbers) are most of a large index
        #: (99,998 of 100,159 terms at 1M products): packed, their counts beside them in an
        #: array (as a dict they grew a worker's first search there by 27 MB).
        ordered = sorted(numbers)
        self.numbers = PackedTerms(ordered)
        self._number_docs = array("I", map(numbers.__getitem__, ordered))
        self._roots: dict[str, tuple[str, ...]] = {}

    def __contains__(self, term: str) -> bool:
        if term in self.docs:
            return True
        at = bisect.bisect_left(self.numbers, term)
        return at < len(self.numbers) and self.numbers[at] == term

    def has_prefix(self, prefix: str) -> bool:
        return any(t.startswith(prefix) for t in self._from(prefix))

    @staticmethod
    def _span(terms: Sequence[str], prefix: str) -> slice:
        """Where the sorted `terms` starting with `prefix` are."""
        return slice(bisect.bisect_left(terms, prefix),
                     bisect.bisect_left(terms, prefix + "\U0010ffff"))

    def _from(self, prefix: str) -> list[str]:
        return self.words[self._span(self.words, prefix)]

    def beginning(self, prefix: str) -> list[Term]:
        """What a word still being typed may become: the indexed words it begins, each looked
        up as it is (PostgreSQL reads every word of a prefix into a bitmap before anything
        else narrows it: "tenun:*" cost 95 ms of a 130 ms filtered search at 1M products),
        or the prefix itself when it begins many words (or none: the index may have words
        newer than this list)."""
        found = self._from(prefix)
        if not found or len(found) > MAX_PREFIX_WORDS:
            return [Term(prefix, prefix=True)]
        return [Term(term) for term in found]

    def completions(self, prefix: str, limit: int) -> list[str]:
        """Indexed words starting with `prefix`, the most common first."""
        if not prefix.isdigit():
            return sorted(self._from(prefix), key=lambda t: (-self.docs[t], t))[:limit]
        span = self._span(self.numbers, prefix)
        docs = {self.numbers[i]: self._number_docs[i] for i in range(span.start, span.stop)}
        return sorted(docs, key=lambda t: (-docs[t], t))[:limit]

    def same_root(self, word: str) -> tuple[str, ...]:
        """Indexed words with the root of `word` ("tenunan" -> tenun, ditenun, menenun...)."""
        root = stem(word)
        if root not in self._roots:
            parts = _root_candidates(root)
            found = [t for t in self.words if any(p in t for p in parts) and stem(t) == root]
            found.sort(key=lambda t: (-self.docs[t], t))
            self._roots[root] = tuple(found[:MAX_ROOT_WORDS])
        return self._roots[root]

    def typos(self, word: str, budget: int, prefix: bool) -> list[tuple[int, str]]:
        """(distance, word) for indexed words within `budget` typos of `word`; with `prefix`,
        also words whose beginning is (the buyer is still typing)."""
        if budget == 0:
            return []
        found: dict[str, int] = {}
        for _choice, distance, index in process.extract(
                word, self.words, scorer=DamerauLevenshtein.distance, score_cutoff=budget,
                limit=None):
            found[self.words[index]] = distance
        if prefix:
            starts = [t[:len(word)] for t in self.words]
            for _choice, distance, index in process.extract(
                    word, starts, scorer=DamerauLevenshtein.distance, score_cutoff=budget,
                    limit=None):
                term = self.words[index]
                found[term] = min(found.get(term, distance), distance)
        ranked = sorted(((d, t) for t, d in found.items() if d > 0 and t != word),
                        key=lambda dt: (dt[0], -self.docs[dt[1]], dt[1]))
        return ranked[:MAX_TYPO_WORDS]


@dataclass
class Reading:
    """Everything one typed word may match, from the most to the least literal."""

    typed: str
    exact: list[Term]
    #: Same root (stemmer) and curated variant spellings / synonyms.
    variants: list[Term] = field(default_factory=list)
    typos: list[Term] = field(default_factory=list)
    #: The likeliest intended word when the typed one is not in the index (else None).
    correction: str | None = None

    @property
    def all(self) -> list[Term]:
        return self.exact + self.variants + self.typos

    @property
    def literal(self) -> list[Term]:
        return self.exact + self.variants


def read(words: list[str], vocabulary: Vocabulary, synonyms: dict[str, tuple[str, ...]],
         relaxed: bool = False) -> list[Reading]:
    """The readings of a query's words; the last word is also a prefix (still being typed).

    `relaxed` forgives one typo in short words too (used when the strict reading finds
    nothing).
    """
    readings = []
    for number, word in enumerate(words):
        last = number == len(words) - 1
        prefix = last and len(word) >= 2
        exact = vocabulary.beginning(word) if prefix else [Term(word)]
        seen = {word, *(t.word for t in exact)}
        variants: list[Term] = []
        for alternative in (*synonyms.get(word, ()), *synonyms.get(stem(word), ())):
            for term in (alternative, *vocabulary.same_root(alternative)):
                if term not in seen:
                    seen.add(term)
                    variants.append(Term(term))
        for term in vocabulary.same_root(word):
            if term not in seen:
                seen.add(term)
                variants.append(Term(term))
        typos = []
        known = word in vocabulary or (prefix and vocabulary.has_prefix(word)) or bool(variants)
        correction = None
        # A word being typed that already begins indexed words is not read as a misspelt
        # beginning of others ("sumba" is not "samba(l)").
        for _distance, term in vocabulary.typos(word, typo_budget(word, relaxed),
                                                prefix and not known):
            if correction is None and not known:
                correction = term
            if term not in seen:
                seen.add(term)
                typos.append(Term(term))
        readings.append(Reading(word, exact, variants, typos, correction))
    return readings


class Cached:
    """A value loaded from the database, shared by a process, reloaded when the version it
    was loaded at is no longer current, after this process changed what it depends on
    (`invalidate`), or when older than `ttl` seconds (for changes no version saw)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._values: dict[object, tuple[float, int, object, object]] = {}
        self._generation = 0

    def get(self, key, load, version: object = None):
        now = time.monotonic()
        hit = self._values.get(key)
        if (hit and hit[1] == self._generation and hit[3] == version
                and now - hit[0] < self.ttl):
            return hit[2]
        value = load()
        self._values[key] = (now, self._generation, value, version)
        return value

    def invalidate(self) -> None:
        self._generation += 1
