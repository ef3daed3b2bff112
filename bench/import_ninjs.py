"""
How fast agency copy comes in: 1,000 ninjs items through `import_files`, on SQLite and on PostgreSQL.

    .venv/bin/python bench/import_ninjs.py [--items 1000] [--database sqlite|postgres|both]

Each run uses a fresh test database. Printed per database, all in the same run so the machine's noise is shared:
parse only (the ceiling: no database), first import (every item created), and re-import (every item unchanged), as
items per second of wall-clock time and per CPU-second of this process, with the machine's load average.
PostgreSQL is taken from DATABASE_URL, or postgres://postgres@127.0.0.1:5432/bench when unset.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENCIES = ["dpa", "AFP", "Reuters", "د ب أ", "رويترز"]


def make_items(folder, count):
    """Write `count` short ninjs 2.x items of our own, in batches of 50 per file as agencies deliver them."""
    paths = []
    for batch in range(0, count, 50):
        items = []
        for number in range(batch, min(batch + 50, count)):
            arabic = number % 2 == 0
            items.append(
                {
                    "uri": f"urn:newsroom-bench:item:{number}",
                    "version": "1",
                    "versioncreated": "2025-06-01T08:00:00Z",
                    "firstcreated": "2025-06-01T07:00:00Z",
                    "language": "ar" if arabic else "de",
                    "headlines": [
                        {
                            "role": "main",
                            "value": (f"خبر قصير رقم {number}" if arabic else f"Kurzmeldung Nummer {number}"),
                        }
                    ],
                    "descriptions": [
                        {"role": "summary", "value": "مقدمة قصيرة." if arabic else "Ein kurzer Vorspann."}
                    ],
                    "bodies": [
                        {
                            "role": "main",
                            "contenttype": "text/html",
                            "value": "".join(
                                f"<p>{'فقرة' if arabic else 'Absatz'} {p} <b>{number}</b></p>" for p in range(6)
                            ),
                        }
                    ],
                    "infosources": [
                        {"name": AGENCIES[number % len(AGENCIES)]},
                        {"name": AGENCIES[(number + 1) % len(AGENCIES)]},
                    ],
                    "associations": [
                        {
                            "name": "lead",
                            "uri": f"urn:newsroom-bench:pic:{number}",
                            "type": "picture",
                            "descriptions": [{"role": "caption", "value": "صورة" if arabic else "Bild"}],
                            "copyrightholder": "Newsroom/Bench",
                            "renditions": [{"name": "original", "href": f"https://images.example.org/{number}.jpg"}],
                        }
                    ],
                }
            )
        path = Path(folder) / f"batch-{batch // 50:03d}.json"
        path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def timed(function):
    """The result, the wall-clock seconds and this process's CPU seconds (the machine may be busy with others)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - started, time.process_time() - cpu


def run(database, count):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # As in production: DEBUG on would keep a log of every query.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    if database == "postgres":
        os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench"
        )
    else:
        os.environ.pop("DATABASE_URL", None)
    # Django and the project are imported here, after DATABASE_URL is chosen for this run.
    import django

    django.setup()
    from django.db import connection

    from articles.audit import system_user
    from interchange.importers import parse_each
    from interchange.management.commands.import_articles import SYSTEM_USERNAME
    from interchange.writer import import_files

    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        paths = make_items(tempfile.mkdtemp(prefix="bench-import-"), count)
        _, parse_seconds, parse_cpu = timed(lambda: [parse_each(path.read_bytes(), path.name) for path in paths])
        # As the command imports without --user: its system account, recorded in each article's history.
        user = system_user(SYSTEM_USERNAME)
        first, first_seconds, first_cpu = timed(lambda: import_files(paths, user=user, check_permission=False))
        again, again_seconds, again_cpu = timed(lambda: import_files(paths, user=user, check_permission=False))
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)
    vendor = connection.vendor
    rows = [
        ("parse only (ceiling)", parse_seconds, parse_cpu, ""),
        ("first import", first_seconds, first_cpu, f"({first})"),
        ("re-import (unchanged)", again_seconds, again_cpu, f"({again})"),
    ]
    for label, seconds, cpu, note in rows:
        print(f"{vendor:<11} {label:<24} {count / seconds:>9,.0f} items/s  {count / cpu:>9,.0f} per CPU-second  {note}")
    print(f"{vendor:<11} first import / parse only: {parse_seconds / first_seconds:.2f}")
    # Other work on the machine slows the wall clock, not this process's CPU time; the database server's work
    # (PostgreSQL) is in the wall clock only.
    print(f"{vendor:<11} load average: {' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    options = parser.parse_args()
    if options.database == "both":
        # One process per database: Django's settings are read once per process.
        for database in ("sqlite", "postgres"):
            subprocess.run(
                [sys.executable, __file__, "--items", str(options.items), "--database", database], check=True
            )
        return
    run(options.database, options.items)


if __name__ == "__main__":
    main()
