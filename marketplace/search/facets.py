"""Filters kept inside the search index as tokens: province and price range.

A filtered search used to walk every product matching its words and look up the product and
its store to test the filters (e.g. one match in 38 passes "Jawa Tengah, in stock,
Rp50.000-300.000"). Each indexed product therefore also carries tokens for its store's
province and its price at several widths (1,000 rupiah up to 100,000,000), so the index
itself intersects them with the words, as it intersects words.

Whether a product is in stock is not a token: nearly every product is, so the token narrowed
the matches by 2% and cost PostgreSQL's index more than the rows it left out (at 1M products
"batik" in Jawa Tengah took 46 ms in the index with it, 11 ms without); it is tested on the
product's row.

The tokens live in their own column (SQLite) or tsvector (PostgreSQL), so a buyer's words
never match them, and start with `PREFIX`, so the vocabulary typos are corrected to leaves
them out. The SQL conditions on products stay: the tokens only narrow what is tested, and a
price range is covered at 1,000 rupiah. The province is the exception: its token is exact
(the triggers change it in the same statement as the store's row), and a search with words
tests it only in the index (see `service.search`).
"""

from marketplace.money import MAX_PRICE

PREFIX = "0f"
#: Powers of ten of the price buckets indexed for every product (1,000 to 100,000,000).
PRICE_LEVELS = range(3, 9)


def province(code: str) -> str:
    return f"{PREFIX}pv{code}"


def _price(level: int, bucket: int) -> str:
    return f"{PREFIX}p{level}x{bucket}"


def price_cover(low: int | None, high: int | None) -> list[str]:
    """Price tokens whose buckets together cover [low, high] (widened to whole thousands):
    the fewest aligned buckets, as a range is covered by a trie of decimal prefixes."""
    first, last = (low or 0) // 10 ** PRICE_LEVELS[0], (
        MAX_PRICE if high is None else high) // 10 ** PRICE_LEVELS[0]
    tokens = []
    for level in PRICE_LEVELS:
        if level == PRICE_LEVELS[-1]:
            tokens += [_price(level, bucket) for bucket in range(first, last + 1)]
            break
        while first <= last and first % 10:
            tokens.append(_price(level, first))
            first += 1
        while first <= last and (last + 1) % 10:
            tokens.append(_price(level, last))
            last -= 1
        if first > last:
            break
        first, last = first // 10, (last + 1) // 10 - 1
    return tokens


def groups(province_code: str | None, min_price: int | None,
           max_price: int | None) -> list[list[str]]:
    """The filters as groups of tokens: a product has one token of every group."""
    found = []
    if province_code:
        found.append([province(province_code)])
    if min_price is not None or max_price is not None:
        found.append(price_cover(min_price, max_price))
    return found


#: Powers of two of the id ranges a product's tokens name (PostgreSQL only; see `ids_from`):
#: 4,096, 16,384, 65,536 and 262,144 ids.
ID_LEVELS = (12, 14, 16, 18)
#: Ranges named in one query at most: a range of ids is covered at the finest level that
#: needs no more of them.
MAX_ID_RANGES = 8


def _ids(level: int, bucket: int) -> str:
    return f"{PREFIX}i{level}x{bucket}"


def ids_from(low: int, high: int) -> list[str] | None:
    """Tokens of the products with ids from `low` to `high` (and a few around them: a range
    of ids is narrowed in SQL too); None when that takes more than `MAX_ID_RANGES`.

    PostgreSQL's index cannot give its matches newest first, and its planner takes words
    that go together ("kopi robusta") as independent: it expected 254 products where 15,595
    matched and read every one of them to keep the newest 241 (200 ms at 1M products).
    Asked for the newest ids first, the index itself leaves out the older matches.
    """
    for level in ID_LEVELS:
        first, last = low >> level, high >> level
        if last - first < MAX_ID_RANGES:
            return [_ids(level, bucket) for bucket in range(first, last + 1)]
    return None


def sql_id_tokens(ident: str) -> list[str]:
    """SQL (PostgreSQL) of a product's id range tokens, from the SQL of its id."""
    return [f"'{PREFIX}i{level}x' || ({ident} >> {level})" for level in ID_LEVELS]


def sql_tokens(price: str, province_code: str) -> list[str]:
    """SQL expressions (the same in SQLite and PostgreSQL) of a product's tokens, from the
    SQL of its price and store province."""
    return [
        f"'{PREFIX}pv' || {province_code}",
        *(f"'{PREFIX}p{level}x' || ({price} / {10 ** level})" for level in PRICE_LEVELS),
    ]
