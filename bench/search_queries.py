"""Search service time in-process, per kind of query, on the `make bench` data set.

Usage: python -m bench.search_queries [--db sqlite|postgres] [--size 100k|1m] [--runs 200]
                                     [--url DATABASE_URL]
Times `marketplace.search.search` itself (no HTTP, no template) so that figures are not
drowned by the queueing of a loaded, shared machine; `make bench` gives the HTTP view.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Marks a page reached by links (see `linked_page`) rather than by its number.
LINK = "via_links"

KINDS = {
    "common word": [{"q": "keripik"}, {"q": "batik"}, {"q": "kain"}, {"q": "tenun"}],
    "rare word": [{"q": "andaliman"}],
    "prefix": [{"q": "kerip"}, {"q": "batik tu"}, {"q": "sel"}],
    "typo": [{"q": "robsuta"}, {"q": "sonkget"}, {"q": "keripk"}, {"q": "btik"}],
    "variant/root": [{"q": "kripik"}, {"q": "batiknya"}, {"q": "tenunan"}],
    "multi-word typo": [{"q": "kain tennun"}, {"q": "sendk kayu"}, {"q": "kopi robsuta"}],
    "filtered": [{"q": "batik", "province": "33", "min_price": "50000",
                  "max_price": "300000", "in_stock": "1"},
                 {"q": "kain tenun", "category": "tenun-ikat", "in_stock": "1"},
                 {"q": "keripik", "province": "32", "sort": "price_asc"}],
    "page 5": [{"q": "keripik", "page": "5"}],
    "category p1": [{"category": "makanan-olahan"}],
    "category price": [{"category": "makanan-olahan", "sort": "price_asc"},
                       {"category": "makanan-olahan", "sort": "price_desc"}],
    "category selling": [{"category": "makanan-olahan", "sort": "best_selling"}],
    "leaf price": [{"category": "batik-tulis", "sort": "price_asc"},
                   {"category": "batik-tulis", "sort": "price_desc"}],
    "price p50 link": [{"category": "makanan-olahan", "sort": "price_asc", "page": "50",
                        LINK: "1"}],
    "search selling": [{"q": "keripik", "sort": "best_selling"},
                       {"q": "batik", "sort": "price_desc"}],
    "category p50 ?page": [{"category": "makanan-olahan", "page": "50"}],
    "category p50 link": [{"category": "makanan-olahan", "page": "50", LINK: "1"}],
    "search p50 ?page": [{"q": "keripik", "page": "50"}],
    "search p50 link": [{"q": "keripik", "page": "50", LINK: "1"}],
}


def linked_page(args: dict, categories) -> dict:
    """The parameters of the link to page `args["page"]` that a buyer following "next" from
    page 1 reaches: with the cursor of where it starts, as the pages' links give it."""
    from marketplace.search import parse_query, search

    wanted, after = int(args["page"]), None
    for number in range(1, wanted):
        query, _notices = parse_query(
            {**args, "page": str(number), **({"after": str(after)} if after else {})},
            categories)
        after = search(query).after
    return {**args, **({"after": str(after)} if after else {})}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--size", choices=("100k", "1m"), default="100k")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--url", help="an already seeded database to use as it is (a copy of "
                        "the benchmark one, say, with a migration applied)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.run import database_url
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.search import parse_query, search
    from marketplace.services.catalog import all_categories

    url, stop = (args.url, None) if args.url else database_url(args.db, args.size)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.test_request_context():
            categories = all_categories()
            for variants in KINDS.values():
                variants[:] = [linked_page({k: v for k, v in args.items() if k != LINK},
                                           categories) if LINK in args else args
                               for args in variants]
            print(f"search service, in-process: {db.engine.dialect.name} "
                  f"{args.url and 'given database' or args.size}, {args.runs} queries per kind\n")
            # CPU time: what a query costs this process, without the waits for a core that
            # other work on a shared machine adds to the wall-clock figures.
            print(f"| {'kind':<16} | {'p50 ms':>7} | {'p95 ms':>7} | {'cpu p50':>7} | "
                  f"{'cpu p95':>7} | {'results':>8} |")
            print(f"|{'-' * 18}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 10}|")
            for kind, variants in KINDS.items():
                times, cpu, totals = [], [], []
                for number in range(args.runs + 3):
                    query, _notices = parse_query(variants[number % len(variants)], categories)
                    started, started_cpu = time.perf_counter(), time.process_time()
                    result = search(query)
                    elapsed = (time.perf_counter() - started) * 1000
                    elapsed_cpu = (time.process_time() - started_cpu) * 1000
                    db.session.rollback()
                    if number >= 3:  # the first few fill the vocabulary and page caches
                        times.append(elapsed)
                        cpu.append(elapsed_cpu)
                        totals.append(result.total)
                times.sort()
                cpu.sort()
                p95 = times[int(len(times) * 0.95) - 1]
                cpu95 = cpu[int(len(cpu) * 0.95) - 1]
                print(f"| {kind:<16} | {statistics.median(times):>7.1f} | {p95:>7.1f} | "
                      f"{statistics.median(cpu):>7.1f} | {cpu95:>7.1f} | "
                      f"{int(statistics.median(totals)):>8} |")
    finally:
        if stop:
            stop()


if __name__ == "__main__":
    main()
