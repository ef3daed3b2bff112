"""
How every public surface, the admin list and the scheduler hold up as the archive grows: bilingual articles on
PostgreSQL, each surface timed at 1,000 articles and at N (default 100,000), uncached, in one run.

    .venv/bin/python bench/scale.py [--articles 100000] [--runs 15] [--keep]
                                   [--database postgres://postgres@127.0.0.1:5432/bench_speed]

Each size has its own database (`<name>_1k` and `<name>`); `--keep` reuses them when they already hold the
articles (building 100,000 takes about 20 minutes on 2 cores). Text is generated here (Arabic and German words of
our own, ~600 words per version, a few words in most articles, others in few), derived fields are filled by the
app's own `Article.refresh_derived_fields`, rows go in with `bulk_create` in batches. Each surface is requested
through Django's test client with the page cache off (DummyCache), so the whole render and every query is
measured, under the public statement timeout as in production. Printed per surface and size: median and p95 in ms
and the queries one request makes; for sitemaps the peak Python memory of one request (tracemalloc); for
`publish_scheduled` the time and queries per due version.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARABIC_COMMON = ["سوريا", "الحكومة", "الرئيس", "مدينة", "اليوم", "قال", "العام", "الأمم", "المتحدة", "وزير"]
ARABIC_WORDS = (
    "في من على إلى أن عن مع هذا التي الذي كان بين بعد قبل حيث خلال منذ حتى لكن كما أيضا وقد عدد مجلس الأمن "
    "القوات المعارضة الشرطة السكان المدنيين المساعدات الإنسانية الاقتصاد الأسعار النفط الغاز الانتخابات البرلمان "
    "الحزب المرشح الأصوات المحكمة القاضي القانون الدستور الصحفيين الإعلام المدارس الطلاب الجامعة الأطباء المستشفى "
    "المرضى اللاجئين الحدود المخيم الشتاء المياه الكهرباء الطرق الجسور المطار الرحلات السياحة المتحف الكتاب المعرض "
    "الفنانين الموسيقى المهرجان الرياضة المنتخب المباراة الملعب الفريق المدرب اللاعبين البطولة الأسبوع الشهر الصباح "
    "المساء المنطقة الشمال الجنوب الشرق الغرب العاصمة الريف القرية الشارع السوق التجار المزارعين المحاصيل الأمطار "
    "الجفاف المناخ البيئة الغابات البحر الشاطئ الصيادين السفن الميناء التجارة الصادرات الواردات البنك العملة الديون"
).split()
GERMAN_COMMON = ["Regierung", "Berlin", "Präsident", "Stadt", "heute", "sagte", "Jahr", "Vereinten", "Nationen"]
GERMAN_WORDS = (
    "der die das und in zu den mit von für auf ist im dem nicht ein eine als auch es an werden aus er hat dass sie "
    "nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch "
    "Sicherheitsrat Truppen Opposition Polizei Bevölkerung Zivilisten Hilfe Wirtschaft Preise Öl Gas Wahlen Parlament "
    "Partei Kandidat Stimmen Gericht Richter Gesetz Verfassung Journalisten Medien Schulen Schüler Universität Ärzte "
    "Krankenhaus Patienten Flüchtlinge Grenze Lager Winter Wasser Strom Straßen Brücken Flughafen Flüge Tourismus "
    "Museum Buch Ausstellung Künstler Musik Festival Sport Mannschaft Spiel Stadion Trainer Spieler Meisterschaft "
    "Woche Monat Morgen Abend Region Norden Süden Osten Westen Hauptstadt Land Dorf Straße Markt Händler Bauern Ernte "
    "Regen Dürre Klima Umwelt Wälder Meer Strand Fischer Schiffe Hafen Handel Export Import Bank Währung Schulden"
).split()
# A word in a handful of articles each: what a reader looks for when they know what they want.
RARE = [f"نادر{n}" for n in range(400)]
RARE_DE = [f"Seltenwort{n}" for n in range(400)]
SCHEDULED_VERSIONS = 50


def sentence(rng, common, words, length):
    picked = [rng.choice(common) if rng.random() < 0.08 else rng.choice(words) for _ in range(length)]
    return " ".join(picked) + "."


def body(rng, common, words, rare):
    paragraphs = []
    for _ in range(6):
        text = " ".join(sentence(rng, common, words, rng.randint(12, 20)) for _ in range(6))
        if rng.random() < 0.02:
            text += " " + rng.choice(rare)
        paragraphs.append(f"<p>{text}</p>")
    return "".join(paragraphs)


def build(target, batch=500):
    """Add generated published articles until the database holds `target`; returns how long it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from articles.models import Article, ArticleSource, Category, Source

    have = Article.objects.count()
    if have and not ArticleSource.objects.exists():
        # Articles built before agencies were credited here: credit them now, in one statement.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO articles_articlesource (article_id, source_id, position) "
                "SELECT a.id, s.id, 0 FROM articles_article a JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 "
                "AS n FROM articles_source ORDER BY id LIMIT 5) s ON s.n = MOD(a.id, 5)"
            )
            cursor.execute("ANALYZE")
    if have >= target:
        return 0.0
    categories = list(Category.objects.all()) or [
        Category.objects.create(name=f"فئة {n}", name_ar=f"فئة {n}", name_de=f"Rubrik {n}") for n in range(50)
    ]
    sources = list(Source.objects.order_by("pk")[:5])
    started = time.perf_counter()
    now = timezone.now()
    links = Article.categories.through
    for start in range(have, target, batch):
        rng = random.Random(start)
        articles = []
        for number in range(start, min(start + batch, target)):
            article = Article(short_code=f"S{number:07d}", source_format="bench")
            when = now - timezone.timedelta(minutes=10 * (target - number))
            for code, common, words, rare, label in (
                ("ar", ARABIC_COMMON, ARABIC_WORDS, RARE, "خبر"),
                ("de", GERMAN_COMMON, GERMAN_WORDS, RARE_DE, "Meldung"),
            ):
                setattr(article, f"headline_{code}", f"{label} {number} " + sentence(rng, common, words, 6)[:-1])
                setattr(article, f"teaser_{code}", sentence(rng, common, words, 20))
                setattr(article, f"body_{code}", body(rng, common, words, rare))
                setattr(article, f"status_{code}", "published")
                setattr(article, f"published_at_{code}", when)
            article.refresh_derived_fields()
            articles.append(article)
        with transaction.atomic():
            created = Article.objects.bulk_create(articles)
            links.objects.bulk_create(
                links(article_id=article.pk, category_id=categories[article.pk % len(categories)].pk)
                for article in created
            )
            ArticleSource.objects.bulk_create(
                ArticleSource(article_id=article.pk, source_id=sources[article.pk % len(sources)].pk)
                for article in created
                if sources
            )
        print(f"  built {start + len(articles):,} articles", end="\r", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        # Fresh planner statistics and visibility map, as autovacuum would leave them (index-only scans need the map).
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def surfaces():
    from django.urls import reverse
    from django.utils import timezone

    from articles.models import Article, Category, Source
    from articles.pagination import LIST_CAP
    from reader.sitemaps import ArticleSitemap

    newest = Article.objects.published("ar").latest_first("ar").first()
    category = Category.objects.order_by("pk").first()
    source = Source.objects.order_by("pk").first()
    deep = LIST_CAP // 20  # the deepest page a listing offers
    old = (timezone.now() - timezone.timedelta(days=200)).date().isoformat()
    changelist = reverse("admin:articles_article_changelist")
    autocomplete = reverse("admin:autocomplete")
    last = ArticleSitemap().paginator.num_pages

    def edge(articles, language, page):
        """The last article of the page before `page`, as its "older" link names it (the last one of a short list)."""
        newest = articles.published(language).latest_first(language).values_list("pk", flat=True)
        return list(newest[: (page - 1) * 20])[-1]

    in_category = Article.objects.filter(categories=category)
    return [
        ("home", "/ar/"),
        # How readers reach a deep page: the "older" link of the page before it, which starts at its last article.
        (f"home, page {deep}", f"/ar/?page={deep}&older_than={edge(Article.objects, 'ar', deep)}"),
        (f"home, page {deep} by offset", f"/ar/?page={deep}"),
        ("article (ar)", newest.get_absolute_url("ar")),
        ("article (de)", newest.get_absolute_url("de")),
        ("category", category.get_absolute_url("ar")),
        (
            f"category, page {deep}",
            category.get_absolute_url("de") + f"?page={deep}&older_than={edge(in_category, 'de', deep)}",
        ),
        (f"category, page {deep} by offset", category.get_absolute_url("de") + f"?page={deep}"),
        ("archive", "/de/archive/"),
        (f"archive, page {deep}", f"/de/archive/?page={deep}"),
        ("archive, older than 200 days", f"/de/archive/?date_to={old}"),
        ("archive, category + page 2", f"/ar/archive/?category={category.pk}&page=2"),
        ("search ar, common word", "/ar/search/?q=سوريا"),
        ("search ar, rare word", "/ar/search/?q=نادر7"),
        ("search ar, two words", "/ar/search/?q=الحكومة+سوريا"),
        ("search de, common word", "/de/search/?q=Regierung"),
        ("search de, rare word", "/de/search/?q=Seltenwort7"),
        ("search de, two words", "/de/search/?q=Regierung+Berlin"),
        ("RSS (ar)", "/ar/feed/rss/"),
        ("Atom (de)", "/de/feed/atom/"),
        ("category RSS", category.get_absolute_url("de") + "feed/rss/"),
        ("sitemap.xml", "/sitemap.xml"),
        ("sitemap page 1", "/sitemap-articles.xml"),
        ("sitemap, last page", f"/sitemap-articles.xml?p={last}"),
        ("news sitemap", "/sitemap-news.xml"),
        ("API list", "/api/articles/?language=ar"),
        (f"API list, page {deep}", f"/api/articles/?language=ar&page={deep}"),
        ("API list, category", f"/api/articles/?language=de&category={category.pk}"),
        ("API detail", f"/api/articles/{newest.short_code}/"),
        ("admin list", changelist),
        ("admin list, page 10", f"{changelist}?p=10"),
        ("admin list, category", f"{changelist}?category={category.pk}"),
        ("admin list, source", f"{changelist}?source={source.pk}" if source else changelist),
        ("admin search, short code", f"{changelist}?q={newest.short_code}"),
        ("admin search, Arabic word", f"{changelist}?q=سوريا"),
        ("admin search, German word", f"{changelist}?q=Regierung"),
        ("admin search, two words", f"{changelist}?q=Meldung+Berlin"),
        ("related autocomplete", f"{autocomplete}?app_label=articles&model_name=article&field_name=related&term=Berl"),
    ]


class QueryCounter:
    """Counts every statement sent on the default connection (a database execute wrapper)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure_requests(runs):
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    client = Client()
    admin, _created = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True})
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    results = {}
    for name, url in surfaces():
        response = client.get(url)
        if response.status_code != 200:
            results[name] = {"status": response.status_code}
            continue
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            client.get(url)
        count = runs if "sitemap" not in name else max(3, runs // 3)
        timings = []
        for _ in range(count):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        memory = None
        if "sitemap" in name:
            tracemalloc.start()
            client.get(url)
            memory = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        results[name] = {
            "status": 200,
            "median": statistics.median(timings),
            "p95": p95,
            "queries": counter.count,
            "memory": memory,
        }
    return results


def measure_scheduler():
    """`publish_scheduled` with SCHEDULED_VERSIONS German versions due: ms and queries per version."""
    from django.db import connection
    from django.utils import timezone

    from articles.audit import system_user
    from articles.models import Article, Status
    from workflow.management.commands.publish_scheduled import SCHEDULER_USERNAME
    from workflow.transitions import WORKFLOW

    user = system_user(SCHEDULER_USERNAME)
    due = list(Article.objects.published("de").order_by("-pk").values_list("pk", flat=True)[:SCHEDULED_VERSIONS])
    Article.objects.filter(pk__in=due).update(
        status_de=Status.SCHEDULED, scheduled_at_de=timezone.now() - timezone.timedelta(minutes=1)
    )
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        report = WORKFLOW.run_schedule(user=user, since=timezone.now() - timezone.timedelta(minutes=3))
    seconds = time.perf_counter() - started
    done = len([line for line in report if line[3] is None]) or 1
    per_version = 1000 * seconds / done
    return {
        "status": 200,
        "median": per_version,
        "p95": per_version,
        "queries": round(counter.count / done, 1),
        "memory": None,
    }


def measure(size, runs, database):
    """In this process: build the database to `size` articles, measure, print the results as JSON."""
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DEBUG"] = "0"
    # Django and the project are imported here, after the database for this run is chosen.
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.CACHES["default"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    seconds = build(size)
    if seconds:
        print(f"built {size:,} articles in {seconds:.0f} s", file=sys.stderr)
    results = measure_requests(runs)
    results["publish_scheduled, per version"] = measure_scheduler()
    print(json.dumps(results))


def ensure_database(url, keep):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            admin.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def cell(result):
    if result.get("status") != 200:
        return f"HTTP {result.get('status')}"
    text = f"{result['median']:7.1f} / {result['p95']:7.1f} / {result['queries']:>4}"
    if result.get("memory") is not None:
        text += f" ({result['memory']:.1f} MB)"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bench_speed")
    parser.add_argument("--keep", action="store_true", help="Reuse the databases if they exist.")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # one size, in a process of its own
    options = parser.parse_args()
    if options.measure:
        measure(options.measure, options.runs, options.database)
        return

    tables = {}
    for size in dict.fromkeys((1000, options.articles)):
        database = options.database if size == options.articles else f"{options.database}_1k"
        ensure_database(database, options.keep)
        command = [sys.executable, __file__, "--measure", str(size), "--runs", str(options.runs)]
        output = subprocess.run([*command, "--database", database], capture_output=True, text=True, cwd=ROOT)
        if output.returncode:
            sys.exit(output.stderr)
        tables[size] = json.loads(output.stdout.strip().splitlines()[-1])

    sizes = list(tables)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"PostgreSQL, page cache off, {options.runs} runs per surface; ms median / p95 / queries per request")
    print(f"{os.cpu_count()} cores, load average at the end {load} (other work on the machine lengthens every figure)")
    header = f"| {'surface':34} |" + "".join(f" {f'{s:,} articles':^34} |" for s in sizes)
    print(header)
    print("|" + "---|" * (len(sizes) + 1))
    for name in tables[sizes[0]]:
        print(f"| {name:34} |" + "".join(f" {cell(tables[size][name]):>34} |" for size in sizes))


if __name__ == "__main__":
    main()
