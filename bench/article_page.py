"""
The article page against its peers, in one run of the shared harness, then the site under breaking news.

    .venv/bin/python bench/article_page.py [--duration 15s] [--rounds 3] [--news-seconds 20] [--skip-peers]

1. Peers (`../shared/bench/peers/run_peers.sh`, when present): the true ceiling (a bare Django view, no middleware,
   serving our article page's bytes: CEILING_URL), stock Wagtail with the same seed article, our article page cached
   and uncached, and our API cached and uncached; every target alternated in the same run, `wrk -t2 -c16`.
2. Breaking news: wrk over 20 article pages and the home page of our cached server, first alone, then while an
   editor process publishes a new article or updates a live one every second (each save renews the pages that
   show it, through Redis, and nothing else); throughput with edits against without, in the same run.

Our servers run like the harness's targets: gunicorn with its gunicorn.conf.py (2 sync workers), DEBUG=0, one SQLite
database (the seed article with its pictures, and 40 generated articles), Redis on 127.0.0.1:6379 with a key prefix
of their own for the cached one (BENCH_CACHE=off, a DummyCache, for the uncached one). Needs `wrk` (Debian).
"""

import argparse
import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "bench" / "peers"
sys.path.insert(0, str(ROOT))

NEWS_ARTICLES = 20
EDIT_PREFIX = "Eilmeldung"

WRK_ROTATION = """
paths = {%s}
counter = 0
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django():
    # Django and the project are imported here, after the environment for this run is chosen.
    import django

    django.setup()


def site_environment(workdir):
    """The environment our benchmarked site runs with: the bench's settings, DEBUG off, its database in `workdir`."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_ACCESSLOG": "/dev/null",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
    }


def prepare():
    """Migrate a fresh database and add the content; returns (article path, API path, the 20 news paths)."""
    setup_django()
    from django.core.management import call_command
    from django.utils import timezone

    from articles.models import Article
    from tests.factories import SEED, make_article, make_category, make_source, picture_upload

    call_command("migrate", verbosity=0)
    if SEED.exists():
        call_command("import_articles", str(SEED), "--publish", verbosity=0)
        article = Article.objects.get()
        language = "ar"
    else:
        sources = [make_source(f"agency{n}", f"وكالة {n}", f"Agentur {n}") for n in range(5)]
        categories = [make_category(f"فئة {n}", f"Rubrik {n}") for n in range(5)]
        article = make_article(publish=("ar", "de"), images=20, sources=sources, categories=categories)
        language = "de"
    for caption in article.captions.all():
        caption.image.file = picture_upload(width=1600, height=900)
        caption.image.save()
    article.published_at_ar = article.published_at_ar or timezone.now()
    article.save()
    category = make_category("أخبار عاجلة", "Eilmeldungen")
    news = [
        make_article(publish=("ar", "de"), images=1, categories=[category], headline_de=f"Meldung {number}")
        for number in range(2 * NEWS_ARTICLES)
    ]
    return (
        article.get_absolute_url(language),
        f"/api/articles/?language={language}",
        [item.get_absolute_url("de") for item in news[:NEWS_ARTICLES]],
    )


def editor(seconds):
    """Every second for `seconds`: publish a new article, or change the headline of one of the 20 live ones."""
    setup_django()
    from django.utils import timezone

    from articles.models import Article
    from tests.factories import make_article

    live = list(Article.objects.filter(headline_de__startswith="Meldung ").order_by("pk")[:NEWS_ARTICLES])
    deadline, edits = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        if edits % 2:
            make_article(publish=("ar", "de"), headline_de=f"{EDIT_PREFIX} {edits}")
        else:
            article = Article.objects.get(pk=live[edits % len(live)].pk)
            article.headline_de = f"{EDIT_PREFIX} {edits}: {timezone.now():%H:%M:%S}"
            article.save()
        edits += 1
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    print(edits)


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer: {url}")


def start_server(port, env):
    """gunicorn as the harness runs every target (its gunicorn.conf.py: 2 sync workers, no access log), else ours."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    config = PEERS / "gunicorn.conf.py"
    if not config.exists():
        config = ROOT / "gunicorn.conf.py"
        env = {**env, "GUNICORN_MAX_REQUESTS": "0"}
    command = [str(gunicorn), "-c", str(config), "-k", "sync", "-w", "2", "-b", f"127.0.0.1:{port}", "newsroom.wsgi"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process):
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def on_our_interpreter(env, peer_dir, workdir):
    """
    The harness makes the ceiling's and Wagtail's virtualenv with `python3`: here, the interpreter ours was made
    with, so every server runs on the same one (an optimized build runs Django a good deal faster than a default
    one). A virtualenv of theirs made with another interpreter is made again.
    """
    base = Path(getattr(sys, "_base_executable", sys.executable))
    wrapper = Path(workdir) / "python-bin" / "python3"
    wrapper.parent.mkdir(exist_ok=True)
    # A script, not a link: the virtualenv records the interpreter that runs, not a link that goes with `workdir`.
    wrapper.write_text(f'#!/bin/sh\nexec "{base}" "$@"\n')
    wrapper.chmod(0o755)
    theirs = peer_dir / "venv-wagtail"
    config = theirs / "pyvenv.cfg"
    if config.exists() and f"home = {base.parent}\n" not in config.read_text():
        print(f"peers: their virtualenv was made with another interpreter; making it again with {base}", flush=True)
        shutil.rmtree(theirs)
    return {**env, "PATH": f"{wrapper.parent}{os.pathsep}{env.get('PATH', '')}"}


def run_peers(targets, ceiling_url, duration, rounds, workdir):
    """The shared harness with our targets; returns {target: mean req/s} and prints its own table."""
    peer_dir = Path(os.environ.get("PEERBENCH_DIR", "/tmp/peerbench-newsroom"))
    env = {
        **on_our_interpreter(os.environ, peer_dir, workdir),
        "CEILING_URL": ceiling_url,
        "PEERBENCH_DIR": str(peer_dir),
        "DURATION": duration,
        "ROUNDS": str(rounds),
        "WAGTAIL_PORT": str(free_port()),
        "CEILING_PORT": str(free_port()),
    }
    command = ["bash", str(PEERS / "run_peers.sh"), *(f"{name}={url}" for name, url in targets.items())]
    print("$", " ".join(f"{k}={env[k]}" for k in ("CEILING_URL", "DURATION", "ROUNDS")), *command, flush=True)
    subprocess.run(command, env=env, check=True)
    means = {}
    with open(peer_dir / "results.tsv") as results:
        for name, _round, rate, *_rest in csv.reader(results, delimiter=" "):
            means.setdefault(name, []).append(float(rate))
    return {name: sum(rates) / len(rates) for name, rates in means.items()}


def run_wrk(url, seconds, script):
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    p99 = float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "p99": p99, "errors": int(non2xx.group(1)) if non2xx else 0}


def breaking_news(base, paths, seconds, env, workdir):
    script = workdir / "rotation.lua"
    script.write_text(WRK_ROTATION % ", ".join(f'"{path}"' for path in [*paths, "/de/"]), encoding="utf-8")
    run_wrk(base + "/de/", 3, script)  # warm every page in every worker
    calm = run_wrk(base + "/de/", seconds, script)
    editing = subprocess.Popen(
        [sys.executable, __file__, "--editor", str(seconds + 2)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        busy = run_wrk(base + "/de/", seconds, script)
        edits = int(editing.communicate(timeout=seconds + 60)[0].strip().splitlines()[-1])
    finally:
        stop(editing)
    with urllib.request.urlopen(base + "/de/", timeout=10) as response:
        fresh = EDIT_PREFIX in response.read().decode()
    return calm, busy, edits, fresh


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", default="15s", help="Per harness measurement (wrk -d; default 15s).")
    parser.add_argument("--rounds", type=int, default=3, help="Harness rounds (default 3).")
    parser.add_argument("--news-seconds", type=int, default=20, help="Breaking-news run, each phase (default 20).")
    parser.add_argument("--skip-peers", action="store_true", help="Only the breaking-news run.")
    parser.add_argument("--editor", type=int, help=argparse.SUPPRESS)  # the editor process of the news run
    options = parser.parse_args()
    if options.editor:
        editor(options.editor)
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    os.environ.update(site_environment(workdir))
    cached_env = {**os.environ}
    uncached_env = {**os.environ, "BENCH_CACHE": "off"}
    servers = []
    try:
        article, api, news = prepare()
        ports = {"cached": free_port(), "uncached": free_port()}
        servers = [start_server(ports["cached"], cached_env), start_server(ports["uncached"], uncached_env)]
        cached, uncached = (f"http://127.0.0.1:{ports[name]}" for name in ("cached", "uncached"))
        wait_for(cached + article)
        wait_for(uncached + article)
        page_bytes = len(urllib.request.urlopen(cached + article, timeout=10).read())
        rates = {}
        if PEERS.is_dir() and not options.skip_peers:
            targets = {
                "ours": cached + article,
                "uncached": uncached + article,
                "api": cached + api,
                "api-nocach": uncached + api,
            }
            rates = run_peers(targets, cached + article, options.duration, options.rounds, workdir)
        calm, busy, edits, fresh = breaking_news(cached, news, options.news_seconds, cached_env, workdir)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\narticle page {page_bytes:,} bytes; our servers: gunicorn, 2 sync workers, SQLite, Redis (cached)")
    print(f"{os.cpu_count()} cores, load average at the end {load}")
    if rates:
        print(f"{'target':34} {'req/s':>9} {'ratio':>28}")
        rows = [
            ("ceiling (bare Django, our bytes)", "ceiling", None),
            ("Wagtail article page", "wagtail", None),
            ("our article page, cached", "ours", ("ceiling", 0.8)),
            ("our article page, uncached", "uncached", ("wagtail", 5.0)),
            ("our API list, cached", "api", ("api-nocach", 10.0)),
            ("our API list, uncached", "api-nocach", None),
        ]
        for label, name, versus in rows:
            ratio = ""
            if versus:
                other, target = versus
                value = rates[name] / rates[other]
                ratio = f"{value:.2f} x {other} (target >= {target:g}){'' if value >= target else ' MISSED'}"
            print(f"{label:34} {rates[name]:>9.0f} {ratio:>28}")
    ratio = busy["rate"] / calm["rate"]
    pages = f"{NEWS_ARTICLES} article pages and the home page"
    print(f"\nbreaking news: wrk -t2 -c16 over {pages}, {options.news_seconds} s each phase")
    print(f"{'':34} {'req/s':>9} {'p99 ms':>8} {'non-2xx':>8}")
    print(f"{'without edits':34} {calm['rate']:>9.0f} {calm['p99']:>8.1f} {calm['errors']:>8}")
    print(f"{f'with {edits} edits (1 per second)':34} {busy['rate']:>9.0f} {busy['p99']:>8.1f} {busy['errors']:>8}")
    print(f"with / without: {ratio:.2f} (target >= 0.7); the last edit on the home page afterwards: {fresh}")


if __name__ == "__main__":
    main()
