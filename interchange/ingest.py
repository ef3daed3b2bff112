"""
Agency copy that arrives by itself: `manage.py ingest` polls the feeds that are due (a drop folder, a web address
returning items, or an Atom/RSS feed linking them), downloads the pictures their items name, and hands the items to
the writer, which keeps each as wire copy (and, for feeds that create articles, writes draft articles).

Many servers may run it from cron at once: a process takes a feed by a lease (a conditional update of the feed's
row, so two processes never hold it together) and gives it back when done; a crashed process's lease runs out.
A feed that fails (unreachable, an error answer, a timeout) is recorded in its health fields and the others go on.

Drop folders: a file is imported once, then moved to `done/` or `failed/` beside a `.txt` naming what happened to
each item; nothing is deleted. A file still being written (younger than INGEST_SETTLE_SECONDS, a temporary name,
or growing while read) is left for the next run.
"""

import base64
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

import defusedxml.ElementTree
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from articles.models import Image

from .fetch import FetchError, fetch_picture, fetch_with_retries
from .importers import ParsedItem, ParseError, files, parse_each
from .models import Feed
from .writer import FAILED, Outcome, SourceIndex, import_parsed

SYSTEM_USERNAME = "ingest"
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart", ".swp")
SEEN_ENTRIES = 2000  # linked entries remembered per feed, so an entry is fetched once
OWNER = f"{socket.gethostname()}:{os.getpid()}"
logger = logging.getLogger(__name__)


class FeedError(Exception):
    """Why a feed could not be polled (not an item's failure: those are outcomes)."""


@dataclass
class Poll:
    """What one poll of one feed did."""

    feed: Feed
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""
    skipped: str = ""
    pictures: int = 0
    left: list[str] = field(default_factory=list)  # files left for the next run, and why

    def count(self, status):
        return sum(1 for outcome in self.outcomes if outcome.status == status)


def due(now=None, name=None):
    """Enabled feeds due for a poll (or the one named, due or not)."""
    now = now or timezone.now()
    if name is not None:
        return list(Feed.objects.filter(name=name))
    return [feed for feed in Feed.objects.filter(is_enabled=True).select_related("source") if feed.is_due(now)]


def poll(feed, *, user, now=None, fetch_pictures=True):
    """Take the feed's lease, fetch and import what is new, record its health, give the lease back."""
    now = now or timezone.now()
    result = Poll(feed)
    owner = f"{OWNER}:{uuid.uuid4().hex[:8]}"
    if not take_lease(feed, owner, now):
        result.skipped = gettext("another process is polling it")
        return result
    try:
        if feed.kind == Feed.Kind.FOLDER:
            poll_folder(feed, result, user, fetch_pictures)
        elif feed.kind == Feed.Kind.LINKS:
            poll_links(feed, result, user, fetch_pictures, owner)
        else:
            poll_url(feed, result, user, fetch_pictures)
    except (FeedError, FetchError, ParseError, OSError) as error:
        result.error = getattr(error, "reason", None) or str(error) or type(error).__name__
    except Exception as error:  # noqa: BLE001 - one feed's unexpected failure must not stop the others
        logger.exception("Polling the feed %s failed", feed.name)
        result.error = gettext("unexpected error: {error}").format(error=f"{type(error).__name__}: {error}")
    finally:
        record_health(feed, result, now)
        give_back_lease(feed, owner)
    return result


def take_lease(feed, owner, now):
    # One UPDATE decides: only one process finds the row free and takes it, on PostgreSQL and SQLite alike.
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    until = now + timedelta(seconds=settings.INGEST_LEASE_SECONDS)
    return Feed.objects.filter(free, pk=feed.pk).update(leased_until=until, leased_by=owner) == 1


def renew_lease(feed, owner):
    until = timezone.now() + timedelta(seconds=settings.INGEST_LEASE_SECONDS)
    Feed.objects.filter(pk=feed.pk, leased_by=owner).update(leased_until=until)


def give_back_lease(feed, owner):
    Feed.objects.filter(pk=feed.pk, leased_by=owner).update(leased_until=None, leased_by="")


def record_health(feed, result, now):
    seen = sum(1 for outcome in result.outcomes if outcome.parsed is not None)
    values = {"last_polled_at": now, "items_seen": F("items_seen") + seen, "http_state": feed.http_state}
    if result.error:
        values.update(last_error=result.error[:2000], last_error_at=now)
    else:
        values.update(last_success_at=now, last_error="")
    Feed.objects.filter(pk=feed.pk).update(**values)
    feed.refresh_from_db()


def credentials(feed):
    """The Authorization header a feed's credentials variable gives ("user:password" or "Bearer ..."), or {}."""
    if not feed.credentials_variable:
        return {}
    value = os.environ.get(feed.credentials_variable, "")
    if not value:
        raise FeedError(
            gettext("the environment variable {name} holding the feed's credentials is not set").format(
                name=feed.credentials_variable
            )
        )
    if value.lower().startswith(("bearer ", "token ")):
        return {"Authorization": value}
    return {"Authorization": "Basic " + base64.b64encode(value.encode()).decode("ascii")}


def ingest(feed, name, data, *, user, resolve=None, fetch_pictures=True, result=None):
    """Parse one file of a feed, complete its items (language, agency, pictures) and write them."""
    try:
        parsed = parse_each(data, name, feed.format)
    except ParseError as error:
        return [Outcome(FAILED, file=name, reason=error.reason)]
    for entry in parsed:
        if isinstance(entry, ParsedItem):
            entry.language = entry.language or feed.language
            if not entry.agencies and feed.source is not None:
                entry.agencies = [feed.source.code]
    if fetch_pictures:
        downloaded = download_pictures([entry for entry in parsed if isinstance(entry, ParsedItem)])
        if result is not None:
            result.pictures += downloaded
    return import_parsed(
        parsed,
        user=user,
        check_permission=False,
        file=name,
        feed=feed,
        create_articles=feed.creates_articles,
        resolve=resolve,
        sources=SourceIndex(),
    )


def download_pictures(items):
    """
    Fetch the pictures items name by web address that we do not have yet (by the agency's id); a picture refused or
    unreachable stays a warning, and the item arrives without it. Returns how many arrived.
    """
    wanted = [
        (item, image)
        for item in items
        for image in item.images
        if image.remote_url and image.content is None and not image.filename
    ]
    if not wanted:
        return 0
    for _item, image in wanted:
        # A picture the agency gives no id is known by its address.
        image.identifier = image.identifier or image.remote_url[:500]
    stored = set(
        Image.objects.filter(source_identifier__in={image.identifier for _item, image in wanted})
        .exclude(file="")
        .values_list("source_identifier", flat=True)
    )
    arrived = 0
    for item, image in wanted:
        if image.identifier in stored:
            continue
        try:
            image.content = fetch_picture(image.remote_url)
        except FetchError as error:
            item.warnings.append(gettext("picture not downloaded: {reason}").format(reason=error.reason))
            continue
        image.filename = Path(image.remote_url.split("?")[0]).name or "picture"
        arrived += 1
    return arrived


# --- drop folders ---------------------------------------------------------------------------------------------------


def poll_folder(feed, result, user, fetch_pictures):
    folder = Path(feed.location)
    if not feed.is_in_drop_root():
        raise FeedError(
            gettext("the drop folder {folder} is not below INGEST_DROP_ROOT; nothing there is read").format(
                folder=folder
            )
        )
    if not folder.is_dir():
        raise FeedError(gettext("the drop folder {folder} does not exist").format(folder=folder))
    settled = timezone.now().timestamp() - settings.INGEST_SETTLE_SECONDS
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.lower().endswith(TEMPORARY_SUFFIXES):
            continue
        if path.suffix.lower() in files.PICTURE_SUFFIXES:
            continue  # read with the item that names it, and moved with it
        before = path.stat()
        if before.st_mtime > settled:
            result.left.append(gettext("{name}: still being written").format(name=path.name))
            continue
        used = []
        outcomes = []
        entries = list(files.read_inputs([path]))
        after = path.stat()
        if (after.st_size, after.st_mtime) != (before.st_size, before.st_mtime):
            result.left.append(gettext("{name}: changed while read").format(name=path.name))
            continue
        for entry in entries:
            if isinstance(entry, ParseError):
                outcomes.append(Outcome(FAILED, file=path.name, reason=entry.reason))
                continue
            resolve = remembering(entry.resolve, folder, used)
            label = entry.name.replace(str(folder) + os.sep, "")
            outcomes.extend(
                ingest(
                    feed,
                    label,
                    entry.data,
                    user=user,
                    resolve=resolve,
                    fetch_pictures=fetch_pictures,
                    result=result,
                )
            )
        if any(outcome.retry for outcome in outcomes):
            result.left.append(gettext("{name}: written by another import at the same moment").format(name=path.name))
            continue
        result.outcomes.extend(outcomes)
        failed = any(outcome.status == FAILED for outcome in outcomes)
        file_away(path, folder / ("failed" if failed else "done"), outcomes, [folder / name for name in used])


def remembering(resolve, folder, used):
    """A picture resolver that notes the pictures of the drop folder an item used, to move them with it."""

    def wrapped(relative):
        data = resolve(relative)
        if data is not None and "/" not in relative.strip("./"):
            used.append(relative.strip("./"))
        return data

    return wrapped


def file_away(path, target_folder, outcomes, pictures=()):
    """Move a read file (and the pictures it used) to `done/` or `failed/`, with what happened in a `.txt` beside."""
    target_folder.mkdir(exist_ok=True)
    target = free_name(target_folder / path.name)
    report = "\n".join(outcome.describe() for outcome in outcomes) or gettext("no items")
    target.with_name(target.name + ".txt").write_text(report + "\n", encoding="utf-8")
    path.replace(target)
    for picture in pictures:
        if picture.exists():
            picture.replace(free_name(target_folder / picture.name))


def free_name(path):
    """`path`, or the same name with a time stamp when a file of that name was filed away before."""
    if not path.exists():
        return path
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
    return path.with_name(f"{path.stem}.{stamp}{path.suffix}")


# --- web addresses --------------------------------------------------------------------------------------------------


def conditional(feed, key):
    """The If-None-Match / If-Modified-Since headers from what the address answered last time."""
    state = feed.http_state.get(key, {})
    headers = {}
    if state.get("etag"):
        headers["If-None-Match"] = state["etag"]
    if state.get("last_modified"):
        headers["If-Modified-Since"] = state["last_modified"]
    return headers


def remember_validators(feed, key, response):
    feed.http_state[key] = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }


def get(feed, url, key):
    """GET a feed's address (conditionally); None when it has not changed since the last poll."""
    response = fetch_with_retries(
        url, max_bytes=settings.IMPORT_MAX_FILE_BYTES, headers={**credentials(feed), **conditional(feed, key)}
    )
    if response.status == 304:
        return None
    if response.status != 200:
        raise FeedError(gettext("{url} answered {status}").format(url=url[:200], status=response.status))
    remember_validators(feed, key, response)
    return response


def poll_url(feed, result, user, fetch_pictures):
    response = get(feed, feed.location, "document")
    if response is None:
        return
    result.outcomes.extend(
        ingest(feed, feed.location, response.body, user=user, fetch_pictures=fetch_pictures, result=result)
    )


def poll_links(feed, result, user, fetch_pictures, owner):
    response = get(feed, feed.location, "document")
    if response is None:
        return
    seen = dict(feed.http_state.get("seen", {}))
    errors = []
    for key, link in feed_entries(response.body, response.url):
        if seen.get(key):
            continue
        try:
            item = fetch_with_retries(link, max_bytes=settings.IMPORT_MAX_FILE_BYTES, headers=credentials(feed))
            if item.status != 200:
                raise FeedError(gettext("{url} answered {status}").format(url=link[:200], status=item.status))
        except (FetchError, FeedError) as error:
            # Not marked as seen: the entry is tried again next time.
            errors.append(getattr(error, "reason", None) or str(error))
            continue
        outcomes = ingest(feed, link, item.body, user=user, fetch_pictures=fetch_pictures, result=result)
        result.outcomes.extend(outcomes)
        if not any(outcome.retry for outcome in outcomes):
            seen[key] = timezone.now().isoformat()
        renew_lease(feed, owner)
    # The most recent entries only: a feed lists its latest, so older keys will not come back.
    feed.http_state["seen"] = dict(sorted(seen.items(), key=lambda pair: pair[1])[-SEEN_ENTRIES:])
    if errors:
        raise FeedError("; ".join(errors[:5]))


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child_text(element, name):
    return next(((child.text or "").strip() for child in element if local(child.tag) == name), "")


def feed_entries(data, base_url):
    """(key, link) of each entry of an Atom or RSS (0.9x, 1.0, 2.0) feed; the key changes when it is updated."""
    try:
        root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except (defusedxml.ElementTree.ParseError, defusedxml.DefusedXmlException, ValueError) as error:
        raise FeedError(gettext("the feed is not readable XML: {error}").format(error=error)) from None
    entries = []
    for entry in root.iter():
        kind = local(entry.tag)
        if kind == "entry":  # Atom
            links = [child for child in entry if local(child.tag) == "link"]
            link = next(
                (node.get("href") for node in links if node.get("rel", "alternate") in ("alternate", "enclosure")),
                "",
            )
            identifier = child_text(entry, "id") or link
            updated = child_text(entry, "updated") or child_text(entry, "published")
        elif kind == "item":  # RSS
            enclosure = next((child for child in entry if local(child.tag) == "enclosure"), None)
            link = (enclosure.get("url") if enclosure is not None else "") or child_text(entry, "link")
            identifier = child_text(entry, "guid") or link
            updated = child_text(entry, "pubDate") or child_text(entry, "date")
        else:
            continue
        if link:
            entries.append((f"{identifier}@{updated}", urljoin(base_url, link.strip())))
    return entries
