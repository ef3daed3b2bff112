"""
Instructions per imported item, counted by valgrind: the import's own work in this process, a figure that does not
move with the machine's load.

    .venv/bin/python bench/import_instructions.py [--database postgres|sqlite]

`bench/import_ninjs.py` times imports by the wall clock, which on these shared machines moves by a fifth between
runs of the same code. This counts the instructions the Python process executes for a first import and for a
re-import of 200 ninjs items of our own (4 files of 50, as `import_ninjs.py` writes them), each as (a run that
imports them - a run that does not) / 200, after a warm-up file in both, so start-up and migrations are left out.
The counts repeat within about 0.1%. The database server's own work is not in them (PostgreSQL runs in its own
process): `import_ninjs.py` stays the yardstick, with the server in its wall clock. Needs valgrind (Debian).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURED = 200  # items: files 2 to 5 of `make_items`
TABLES = (
    "articles_article, interchange_wireitem, articles_image, reversion_revision, reversion_version, "
    "django_admin_log, articles_topic, articles_source"
)


def child(database, mode, measured):
    """Import in this process; the parent counts its instructions."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.update(DJANGO_SETTINGS_MODULE="newsroom.settings", DEBUG="0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    if database == "postgres":
        os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.db import connection
    from import_ninjs import make_items

    from articles.audit import system_user
    from interchange.management.commands.import_articles import SYSTEM_USERNAME
    from interchange.writer import import_files

    # The same test database every run, emptied: no migrations and no serialization inside the count.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True, serialize=False)
    if connection.vendor == "postgresql":
        connection.cursor().execute(f"TRUNCATE {TABLES} CASCADE")
    else:
        for table in TABLES.split(", "):
            connection.cursor().execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
    paths = make_items(tempfile.mkdtemp(prefix="bench-import-"), 300)
    user = system_user(SYSTEM_USERNAME)
    import_files(paths[:2], user=user, check_permission=False)  # warm-up: caches, regular expressions, plans
    if mode == "first":
        if measured:
            import_files(paths[2:6], user=user, check_permission=False)
    else:
        import_files(paths[2:6], user=user, check_permission=False)
        if measured:
            import_files(paths[2:6], user=user, check_permission=False)


def count(database, mode, measured):
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        database,
        mode,
        "1" if measured else "0",
    ]
    # The same hash seed each run: set iteration orders, and so the work, repeat.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stderr
    return int(re.search(r"I\s+refs:\s+([\d,]+)", output).group(1).replace(",", ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--child", nargs=3, metavar=("DATABASE", "MODE", "MEASURED"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        database, mode, measured = options.child
        child(database, mode, measured == "1")
        return
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is needed: apt-get install valgrind")
    # Once outside the count, so a first run's database creation and migrations are not in it.
    subprocess.run([sys.executable, __file__, "--child", options.database, "first", "0"], check=True)
    for mode, label in (("first", "first import"), ("again", "re-import (unchanged)")):
        per_item = (count(options.database, mode, True) - count(options.database, mode, False)) / MEASURED
        print(f"{options.database:<11} {label:<24} {per_item / 1e6:6.2f} M instructions per item")


if __name__ == "__main__":
    main()
