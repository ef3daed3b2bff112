"""
Instructions per uncached article page, counted by valgrind: a figure that does not move with the machine's load.

    .venv/bin/python bench/instructions.py [--requests 300]

The wall clock on these shared machines moves by half between runs, so a change worth 2% cannot be seen in req/s.
The number of instructions a request executes moves by about 0.5%. This prints it for our uncached article page
(the seed article, SQLite, the DummyCache, Django's WSGI handler called in-process as gunicorn calls it) and, when
the peer harness has set up its Wagtail site (`../shared/bench/peers/run_peers.sh` or `bench/article_page.py`
did), for Wagtail's page the same way. Each figure is (a run with N requests - a run with none) / N, after 100
warm-up requests in both, so start-up is left out. Needs valgrind (Debian).

Instructions are not time (cache misses and the server around the page are not in them); req/s against Wagtail
in one run of the harness stays the yardstick (bench/article_page.py).
"""

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
PEER_DIR = Path(os.environ.get("PEERBENCH_DIR", "/tmp/peerbench-newsroom"))
WAGTAIL_SITE, WAGTAIL_PYTHON = PEER_DIR / "wagtail_site", PEER_DIR / "venv-wagtail" / "bin" / "python"
WAGTAIL_PATH = "/raqqa-us-turkey-talks/"
WARM_UP = 100


def environ(path):
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": unquote(path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }


def serve(application, path, requests):
    """WARM_UP + `requests` requests to `path`, as a WSGI server makes them; every answer must be a 200."""
    statuses = []
    # Built once: decoding our page's long Arabic address in Python cost 0.23 M instructions a request, which a
    # server does in its own parser, and which Wagtail's short ASCII address did not pay.
    template = environ(path)
    for _ in range(WARM_UP + requests):
        body = application(
            {**template, "wsgi.input": io.BytesIO(b"")},
            lambda status, headers, exc_info=None: statuses.append(status),
        )
        b"".join(body)
        body.close()
    if any(not status.startswith("200") for status in statuses):
        raise SystemExit(f"{path}: {sorted(set(statuses))}")


def child(target, path, requests):
    if target == "wagtail":
        sys.path.insert(0, str(WAGTAIL_SITE))
        os.chdir(WAGTAIL_SITE)
        os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings.bench"
    else:
        sys.path.insert(0, str(ROOT))
    from newsroom.wsgi import application

    serve(application, path, requests)


def count(python, target, path, requests, env):
    """Instructions valgrind counted for the child process serving `requests` requests (after the warm-up)."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        str(python),
        __file__,
        "--child",
        target,
        path,
        str(requests),
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stderr
    return int(re.search(r"I\s+refs:\s+([\d,]+)", output).group(1).replace(",", ""))


def per_request(python, target, path, requests, env):
    return (count(python, target, path, requests, env) - count(python, target, path, 0, env)) / requests


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--child", nargs=3, metavar=("TARGET", "PATH", "REQUESTS"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        target, path, requests = options.child
        return child(target, path, int(requests))
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is needed: apt-get install valgrind")

    sys.path.insert(0, str(ROOT / "bench"))
    import article_page

    workdir = Path(tempfile.mkdtemp(prefix="newsroom-instructions-"))
    # As bench/article_page.py runs its uncached server.
    env = {**os.environ, **article_page.site_environment(workdir), "BENCH_CACHE": "off"}
    # The same content as the peer bench: the seed article with its pictures and 40 generated articles.
    prepare = "import article_page; print(article_page.prepare()[0])"
    ours_path = subprocess.run(
        [sys.executable, "-c", prepare], cwd=ROOT / "bench", env=env, capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    ours = per_request(sys.executable, "ours", ours_path, options.requests, env)
    print(f"our article page, uncached   {ours / 1e6:6.2f} M instructions per request")
    if WAGTAIL_PYTHON.exists() and (WAGTAIL_SITE / "db.sqlite3").exists():
        # Fewer requests: each costs several times ours under valgrind.
        wagtail = per_request(WAGTAIL_PYTHON, "wagtail", WAGTAIL_PATH, max(options.requests // 3, 10), os.environ)
        print(f"Wagtail article page         {wagtail / 1e6:6.2f} M instructions per request")
        print(f"Wagtail / ours               {wagtail / ours:6.2f}")
    else:
        print(f"(no Wagtail site in {PEER_DIR}: run bench/article_page.py once to set it up)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
