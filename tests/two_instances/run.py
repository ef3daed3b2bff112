"""
Two instances, one site (issue 12): two gunicorn servers on one PostgreSQL database, one Redis of the test's own
(on its own port, so it can be stopped) and a local S3-compatible store (moto in server mode), as a load balancer
would see them. Run by .ci/run after the PostgreSQL suite (not by `make test`: it needs those services):

    .venv/bin/python tests/two_instances/run.py

Checks, each printed with its figures; exits non-zero when one fails:
  1. an edit saved through A's admin is on B's page within 2 s;
  2. a picture uploaded through A's admin is served on B's pages (from the object store);
  3. an Import preview made on A is confirmed on B;
  4. publish_scheduled run on both at once publishes each due version exactly once;
  5. Redis stopped and restarted under traffic: no 5xx answer.
Every request goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

import contextlib
import html
import html.parser
import http.cookiejar
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE))  # the project's modules, for the ORM checks below
PYTHON = sys.executable
DATABASE = "newsroom_two_instances"
PG = os.environ.get("TWO_INSTANCES_PG", "postgres://postgres@127.0.0.1:5432")
BUCKET = "newsroom-media"


PUBLIC_MEDIA_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/media/*",
        }
    ],
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {seconds} s")


class Services:
    """The processes this test starts, stopped (each by its own id) however the test ends."""

    def __init__(self, folder):
        self.folder = folder
        self.processes = {}
        self.redis_port = free_port()
        self.s3_port = free_port()
        self.ports = {"A": free_port(), "B": free_port()}

    def start(self, name, command, env=None):
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            command, cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, name):
        process = self.processes.pop(name, None)
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def start_redis(self):
        self.start(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)


class FormReader(html.parser.HTMLParser):
    """The fields of the page's forms, as a browser would submit them (first submit button left out)."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.form = None
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {"attrs": attrs, "fields": []}
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button", "file", "image"):
                return
            self.form["fields"].append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = [attrs["name"], ""]
            self.form["fields"].append(self.textarea)
        elif tag == "select" and attrs.get("name"):
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.form["fields"].append((self.select, attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.form = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def forms_of(page):
    reader = FormReader()
    reader.feed(page)
    return reader.forms


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data, kind in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {kind}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """An editor's browser: one cookie jar for both servers (one site behind one balancer), no redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self.NoRedirect)

    def request(self, url, data=None, content_type=None, timeout=20):
        request = urllib.request.Request(url, data=data)
        # The checks below read the admin's English messages; without this the admin speaks the site's Arabic.
        request.add_header("Accept-Language", "en")
        if content_type:
            request.add_header("Content-Type", content_type)
        if data is not None:
            origin = urllib.parse.urlsplit(url)
            request.add_header("Origin", f"{origin.scheme}://{origin.netloc}")
            request.add_header("Referer", url)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)

    def get(self, url):
        return self.request(url)

    def post(self, url, fields, files=()):
        body, kind = multipart(fields, files)
        return self.request(url, body, kind)

    def login(self, base, username, password):
        status, page, _headers = self.get(f"{base}/admin/login/")
        token = dict(forms_of(page)[-1]["fields"])["csrfmiddlewaretoken"]
        fields = [("csrfmiddlewaretoken", token), ("username", username), ("password", password), ("next", "/admin/")]
        status, _page, headers = self.post(f"{base}/admin/login/", fields)
        assert status == 302, f"login answered {status}"


def fetch_bytes(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def main():
    for tool in ("redis-server", "pg_isready"):
        if not shutil.which(tool):
            print(f"two instances: {tool} is not installed")
            return 1
    folder = Path(tempfile.mkdtemp(prefix="newsroom-two-instances-"))
    services = Services(folder)
    failures = []
    try:
        environment = prepare(services, folder)
        run_checks(services, environment, failures)
    finally:
        services.stop_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", "--if-exists", DATABASE], check=False)
    for line in failures:
        print(f"FAILED: {line}")
    passed = 5 - len({line.split(":")[0] for line in failures})
    print(f"{passed} passed, {5 - passed} failed")
    if failures:
        print(f"logs in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


def prepare(services, folder):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": f"redis://127.0.0.1:{services.redis_port}/0",
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{services.s3_port}",
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "STATIC_ROOT": str(folder / "static"),
        # Plain http on the loopback: no proxy here to terminate TLS.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_PROXY_SSL_HEADER": "",
        "SECURE_HSTS_SECONDS": "0",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESSLOG": str(folder / "access.log"),
    }
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    services.start_redis()
    services.start("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(services.s3_port)])
    wait_for(f"http://127.0.0.1:{services.s3_port}/moto-api/")
    manage = [PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=BASE, env=environment, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=BASE, env=environment, check=True)
    os.environ.update(environment)
    import django  # now that the environment names the shared database and store

    django.setup()
    import boto3
    from django.contrib.auth.models import User

    store = boto3.client("s3", endpoint_url=environment["S3_ENDPOINT_URL"], region_name="us-east-1")
    store.create_bucket(Bucket=BUCKET)
    # As README "Production" says: anyone may read media/, nobody but the site reads import-staging/.
    store.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_MEDIA_POLICY))
    User.objects.create_superuser("chief", "chief@example.org", "two-instances-pw")
    for name, port in services.ports.items():
        services.start(
            f"gunicorn-{name}",
            [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            env={**environment, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        )
    for port in services.ports.values():
        wait_for(f"http://127.0.0.1:{port}/healthz")
    return environment


def run_checks(services, environment, failures):
    a, b = (f"http://127.0.0.1:{port}" for port in services.ports.values())
    browser = Browser()
    browser.login(a, "chief", "two-instances-pw")
    for check in (edit_on_a_seen_on_b, picture_through_a_served_on_b, preview_on_a_confirmed_on_b):
        try:
            check(browser, a, b)
        except Exception as error:  # noqa: BLE001 - each check reports on its own; the run goes on
            failures.append(f"{check.__name__}: {type(error).__name__}: {error}")
    try:
        scheduled_once_on_both(environment)
    except Exception as error:  # noqa: BLE001
        failures.append(f"scheduled_once_on_both: {type(error).__name__}: {error}")
    try:
        redis_outage_without_5xx(services, browser, a, b)
    except Exception as error:  # noqa: BLE001
        failures.append(f"redis_outage_without_5xx: {type(error).__name__}: {error}")


def published_article(headline_de):
    from articles.models import Article  # the ORM, set up in prepare()

    article = Article(headline_ar="خبر للمثيلين", teaser_ar="مقدمة", body_ar="<p>نص</p>")
    article.headline_de, article.teaser_de, article.body_de = headline_de, "Vorspann", "<p>Text</p>"
    for language in ("ar", "de"):
        article.publish(language)
    article.save()
    return article


def edit_on_a_seen_on_b(browser, a, b):
    article = published_article("Meldung vor der Änderung")
    path = article.get_absolute_url("de")
    status, page, _ = browser.get(b + path)
    assert status == 200 and "Meldung vor der Änderung" in page, f"B shows the article ({status})"
    status, page, _ = browser.get(f"{a}/admin/articles/article/{article.pk}/change/")
    form = next(form for form in forms_of(page) if form["attrs"].get("id") == "article_form")
    fields = [(name, value) for name, value in form["fields"] if name != "headline_de"]
    fields += [("headline_de", "Meldung nach der Änderung"), ("_continue", "1")]
    saved = time.monotonic()
    status, page, _ = browser.post(f"{a}/admin/articles/article/{article.pk}/change/", fields)
    assert status == 302, f"A saved the edit ({status}): {page[:500]}"
    deadline = saved + 5
    while time.monotonic() < deadline:
        status, page, _ = browser.get(b + path)
        if "Meldung nach der Änderung" in page:
            break
        time.sleep(0.05)
    seen = time.monotonic() - saved
    print(f"1. edit saved on A, seen on B after {seen:.2f} s")
    assert "Meldung nach der Änderung" in page, "B never showed the edit"
    assert seen <= 2, f"B showed the edit after {seen:.2f} s"


def picture_through_a_served_on_b(browser, a, b):
    from PIL import Image  # the picture is made here, in memory

    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (30, 90, 160)).save(buffer, "JPEG")
    status, page, _ = browser.get(f"{a}/admin/articles/image/add/")
    form = next(form for form in forms_of(page) if form["attrs"].get("id") == "image_form")
    fields = [(name, value) for name, value in form["fields"] if name not in ("credit", "archive_title")]
    fields += [("credit", "Zwei/Instanzen"), ("archive_title", "Bild über A"), ("_save", "1")]
    status, page, _ = browser.post(
        f"{a}/admin/articles/image/add/", fields, [("file", "bild.jpg", buffer.getvalue(), "image/jpeg")]
    )
    assert status == 302, f"A stored the picture ({status}): {page[:500]}"
    from articles.models import Image as ImageRecord

    image = ImageRecord.objects.get(archive_title="Bild über A")
    status, page, _ = browser.get(f"{b}/admin/articles/image/{image.pk}/change/")
    source = image.file.url
    # The change form shows a thumbnail rendition; whichever it is, it must come from the shared store.
    store = source.split("/media/", 1)[0]
    shown = [html.unescape(src) for src in re.findall(r'<img [^>]*src="([^"]+)"', page)]
    from_store = [src for src in shown if src.startswith(store)]
    assert status == 200 and from_store, f"B's admin shows the picture from the store ({status}): {shown}"
    status, data = fetch_bytes(from_store[0])
    assert status == 200 and data[:4] in (b"RIFF", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb"), "B's thumbnail is served"
    status, data = fetch_bytes(source)
    assert status == 200 and data == buffer.getvalue(), "the original is served from the store"
    widest = image.get_renditions()[-1]
    status, data = fetch_bytes(widest.file.url)
    print(f"2. picture uploaded through A: B shows {from_store[0]}; {len(image.get_renditions())} renditions served")
    assert status == 200 and data[:4] in (b"RIFF", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb"), "a rendition is served"


NINJS_ITEM = {
    "uri": "urn:newsroom:two-instances:1",
    "type": "text",
    "language": "de",
    "versioncreated": "2025-01-31T10:00:00Z",
    "headline": "Vorschau auf A, Import auf B",
    "description_text": "Vorspann der Meldung.",
    "body_html": "<p>Erster Absatz.</p>",
}


def preview_on_a_confirmed_on_b(browser, a, b):
    from articles.models import Article

    status, page, _ = browser.get(f"{a}/admin/import/")
    token = dict(forms_of(page)[-1]["fields"])["csrfmiddlewaretoken"]
    data = json.dumps(NINJS_ITEM).encode()
    status, page, _ = browser.post(
        f"{a}/admin/import/",
        [("csrfmiddlewaretoken", token), ("format", "auto"), ("language", "")],
        [("files", "item.json", data, "application/json")],
    )
    assert status == 200 and "Vorschau auf A, Import auf B" in page, f"A previews the item ({status})"
    confirm = next(form for form in forms_of(page) if any(name == "token" for name, _ in form["fields"]))
    staged = dict(confirm["fields"])["token"]
    private = f"{os.environ['S3_ENDPOINT_URL']}/{BUCKET}/import-staging/{staged}/000-item.json"
    try:
        fetch_bytes(private)
        raise AssertionError("a staged import file is readable without credentials")
    except urllib.error.HTTPError as error:
        assert error.code == 403, f"staged files are private ({error.code})"
    fields = [*confirm["fields"], ("confirm", "1")]
    status, page, _ = browser.post(f"{b}/admin/import/", fields)
    assert status == 200 and "imported 1" in page, f"B imports what A previewed ({status}): {page[:300]}"
    assert Article.objects.filter(headline_de="Vorschau auf A, Import auf B").count() == 1
    print("3. Import preview made on A, confirmed on B: imported 1")


def scheduled_once_on_both(environment):
    from django.utils import timezone
    from reversion.models import Version

    from articles.models import Article, Status

    due = []
    for number in range(20):
        article = Article(headline_de=f"Geplant {number}", teaser_de="V", body_de="<p>T</p>")
        article.set_status("de", Status.SCHEDULED, scheduled_at=timezone.now() - timezone.timedelta(minutes=1))
        article.save()
        due.append(article.pk)
    before = Version.objects.filter(object_id__in=[str(pk) for pk in due]).count()
    runs = [
        subprocess.Popen(
            [PYTHON, "manage.py", "publish_scheduled"],
            cwd=BASE,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _server in ("A", "B")
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    published = [line for out, _err in outputs for line in out.splitlines() if line.startswith("publish ")]
    counts = [sum(1 for line in out.splitlines() if line.startswith("publish ")) for out, _err in outputs]
    revisions = Version.objects.filter(object_id__in=[str(pk) for pk in due]).count() - before
    live = Article.objects.filter(pk__in=due, status_de=Status.PUBLISHED).count()
    print(f"4. publish_scheduled on A and B at once: {counts} versions published, {live} live, {revisions} revisions")
    assert all(run.returncode == 0 for run in runs), [err for _out, err in outputs]
    assert len(published) == 20 and len(set(published)) == 20, "each due version published once"
    assert live == 20 and revisions == 20


def redis_outage_without_5xx(services, browser, a, b):
    from articles.models import Article

    article = Article.objects.published("de").first()
    page_cache_urls = ["/de/", article.get_absolute_url("de"), "/ar/archive/"]
    other_urls = ["/healthz", "/readyz", "/api/articles/?language=de", "/admin/"]
    answers = {"page cache": [], "other": []}
    stop = threading.Event()

    def traffic(base, urls, kind):
        requests = 0
        while not stop.is_set() and requests < 5000:
            for url in urls:
                status, _page, _ = browser.get(base + url)
                answers[kind].append(status)
                requests += 1

    threads = [
        threading.Thread(target=traffic, args=(base, urls, kind))
        for base in (a, b)
        for urls, kind in ((page_cache_urls, "page cache"), (other_urls, "other"))
    ]
    for thread in threads:
        thread.start()
    time.sleep(1)
    services.stop("redis")
    time.sleep(3)
    services.start_redis()
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    summary = {kind: (len(statuses), sum(status >= 500 for status in statuses)) for kind, statuses in answers.items()}
    print(f"5. Redis stopped for 3 s and restarted: (answers, 5xx) {summary}")
    assert summary["other"][1] == 0, "admin, API and health answered 5xx while Redis was down"
    assert summary["page cache"][1] == 0, "pages answered 5xx while Redis was down"
    status, page, _ = browser.get(a + "/readyz")
    assert status == 200 and json.loads(page)["checks"]["cache"]["ok"], "the cache is back"


if __name__ == "__main__":
    sys.exit(main())
