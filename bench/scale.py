"""
How the public surfaces hold up as the archive grows: N bilingual articles on PostgreSQL, each surface timed at 1,000
articles and at N (default 100,000), uncached, in one run.

    .venv/bin/python bench/scale.py [--articles 100000] [--runs 15] [--database postgres://postgres@127.0.0.1:5432/bench_scale]
                                   [--keep]   # reuse the database if it already holds the articles

Text is generated here (Arabic and German words of our own, ~600 words per version, a few words in most articles,
others in few), derived fields are filled by the app's own `Article.refresh_derived_fields`, rows go in with
`bulk_create` in batches. Each surface is requested through Django's test client with the page cache off; printed:
median and p95 in ms, queries per request, and for sitemaps the peak Python memory of one request (tracemalloc).
Building 100,000 articles takes several minutes; `--keep` reuses them on the next run.
"""

import argparse
import os
import random
import statistics
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

    from articles.models import Article, Category

    have = Article.objects.count()
    if have >= target:
        return 0.0
    categories = list(Category.objects.all())
    if not categories:
        categories = [
            Category.objects.create(name=f"فئة {n}", name_ar=f"فئة {n}", name_de=f"Rubrik {n}") for n in range(50)
        ]
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
        print(f"  built {start + len(articles):,} articles", end="\r", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would leave them
    return time.perf_counter() - started


def surfaces():
    from articles.models import Article, Category

    newest = Article.objects.published("ar").latest_first("ar").first()
    category = Category.objects.order_by("pk").first()
    deep = Article.objects.published("ar").count() // 20
    return [
        ("home", "/ar/"),
        ("home, page 50", "/ar/?page=50"),
        ("article (ar)", newest.get_absolute_url("ar")),
        ("article (de)", newest.get_absolute_url("de")),
        ("category", category.get_absolute_url("ar")),
        ("archive", "/de/archive/"),
        ("archive, last page", f"/de/archive/?page={deep}"),
        ("search ar, common word", "/ar/search/?q=سوريا"),
        ("search ar, rare word", "/ar/search/?q=نادر7"),
        ("search ar, two words", "/ar/search/?q=الحكومة+سوريا"),
        ("search de, common word", "/de/search/?q=Regierung"),
        ("search de, rare word", "/de/search/?q=Seltenwort7"),
        ("search de, two words", "/de/search/?q=Regierung+Berlin"),
        ("RSS", "/ar/feed/rss/"),
        ("sitemap.xml", "/sitemap.xml"),
        ("sitemap page 1", "/sitemap-articles.xml"),
        ("sitemap, last page", "/sitemap-articles.xml?p=LAST"),
        ("news sitemap", "/sitemap-news.xml"),
        ("API list", "/api/articles/?language=ar"),
        ("API detail", f"/api/articles/{newest.short_code}/"),
    ]


def measure(runs):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reader.sitemaps import ArticleSitemap

    client = Client()
    last_page = ArticleSitemap().paginator.num_pages
    results = {}
    for name, url in surfaces():
        url = url.replace("LAST", str(last_page))
        response = client.get(url)
        if response.status_code != 200:
            results[name] = (float("nan"), float("nan"), 0, None, response.status_code)
            continue
        with CaptureQueriesContext(connection) as queries:
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
        results[name] = (statistics.median(timings), p95, len(queries), memory, 200)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/bench_scale")
    parser.add_argument("--keep", action="store_true", help="Reuse the database if it exists.")
    options = parser.parse_args()

    os.environ["DATABASE_URL"] = options.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    # Django and the project are imported here, after the database for this run is chosen.
    import django
    import psycopg

    name = options.database.rsplit("/", 1)[1]
    admin_url = options.database.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not options.keep:
            admin.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.CACHES["default"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)

    tables = {}
    for size in (1000, options.articles):
        seconds = build(size)
        if seconds:
            print(f"built up to {size:,} articles in {seconds:.0f} s")
        tables[size] = measure(options.runs)

    sizes = list(tables)
    header = f"{'surface (uncached, ms)':32}" + "".join(f"{f'{s:,}: median / p95 / queries':>36}" for s in sizes)
    print(header)
    for name in tables[sizes[0]]:
        row = f"{name:32}"
        for size in sizes:
            median, p95, queries, memory, status = tables[size][name]
            cell = f"{median:8.1f} / {p95:8.1f} / {queries:2d}" if status == 200 else f"HTTP {status}"
            if memory is not None:
                cell += f" ({memory:.1f} MB)"
            row += f"{cell:>36}"
        print(row)


if __name__ == "__main__":
    main()
