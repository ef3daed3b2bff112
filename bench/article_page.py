"""
Article page throughput and latency under gunicorn, side by side with a bare Django view returning the same bytes.

    .venv/bin/python bench/article_page.py [--duration 5] [--connections 16] [--workers 2]

Builds a throw-away SQLite database (the seed article when present, else a demo article with 20 pictures),
serves it with the project's gunicorn.conf.py on a free 127.0.0.1 port, and loads both URLs with wrk (or a
Python http.client loop when wrk is absent). Prints requests/s, latency and the ratio page/ceiling.
"""

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(workdir):
    """Migrate a fresh database, add content, and return (article path, page bytes)."""
    # Django and the project are imported here, after the bench has chosen the settings and database for this run.
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from tests.factories import SEED, make_article, make_category, make_source, picture_upload

    if SEED.exists():
        call_command("import_articles", str(SEED), "--publish", verbosity=0)
        from articles.models import Article

        article = Article.objects.get()
        language = "ar"
    else:
        sources = [make_source(f"agency{n}", f"وكالة {n}", f"Agentur {n}") for n in range(5)]
        article = make_article(
            publish=("ar", "de"),
            images=20,
            sources=sources,
            categories=[make_category(f"فئة {n}", f"Rubrik {n}") for n in range(5)],
        )
        language = "de"
    for caption in article.captions.all():
        caption.image.file = picture_upload(width=1600, height=900)
        caption.image.save()
    article.published_at_ar = article.published_at_ar or timezone.now()
    article.save()
    url = article.get_absolute_url(language)
    response = Client(HTTP_HOST="127.0.0.1").get(url)
    assert response.status_code == 200, response.status_code
    return url, response.content


def wait_for(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def run_wrk(url, duration, connections):
    output = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def ms(label):
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", output)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "p50": ms("50%"), "p99": ms("99%"), "errors": int(non2xx.group(1)) if non2xx else 0}


def run_python_loop(url, duration, connections):
    """Fallback load generator: keep-alive http.client connections in threads for `duration` seconds."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies, errors = [], [0]
    deadline = time.monotonic() + duration

    def worker():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < deadline:
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rate": len(latencies) / duration,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": errors[0],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--duration", type=int, default=5, help="Seconds per measurement (default 5).")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections (default 16).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2).")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        DEBUG="0",
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS="127.0.0.1",
    )
    server = None
    try:
        url_path, content = prepare(workdir)
        ceiling_file = workdir / "ceiling.html"
        ceiling_file.write_bytes(content)
        port = free_port()
        env = {
            **os.environ,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(args.workers),
            "GUNICORN_ACCESSLOG": "/dev/null",
            "BENCH_CEILING_FILE": str(ceiling_file),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "newsroom.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        targets = {"article page (cached)": base + url_path, "ceiling (same bytes)": base + "/bench/ceiling/"}
        load = run_wrk if shutil.which("wrk") else run_python_loop
        # Warm every worker's cache and connections before measuring.
        load(targets["article page (cached)"], 1, args.connections)
        results = {name: load(url, args.duration, args.connections) for name, url in targets.items()}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"load generator: {load.__name__.removeprefix('run_')}, {args.connections} connections, "
        f"{args.duration}s each, gunicorn {args.workers} workers (gthread), page {len(content):,} bytes"
    )
    print(f"{'':24} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, result in results.items():
        print(f"{name:24} {result['rate']:>10.0f} {result['p50']:>8.2f} {result['p99']:>8.2f} {result['errors']:>7}")
    ratio = results["article page (cached)"]["rate"] / results["ceiling (same bytes)"]["rate"]
    print(f"ratio page/ceiling: {ratio:.2f} (target >= 0.80)")


if __name__ == "__main__":
    main()
