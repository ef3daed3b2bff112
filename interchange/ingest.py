"""
Agency copy that arrives by itself: `manage.py ingest` polls the feeds that are due (a drop folder, a web address
returning items, or an Atom/RSS feed linking them), downloads the pictures their items name, and hands the items to
the writer, which keeps each as wire copy (and, for feeds that create articles, writes draft articles).

Many servers may run it from cron at once: a process takes a feed by a lease (a conditional update of the feed's
row, so two processes never hold it together) and gives it back when done; a crashed process's lease runs out.
A feed that fails (unreachable, an error answer, a timeout) is recorded in its health fields and the others go on.

Drop folders: a file is imported once, then moved to `done/` or `failed/` beside a `.txt` naming what happened to
each item; nothing is deleted or overwritten. A file still being written (younger than INGEST_SETTLE_SECONDS, a
temporary name, or growing while read), or naming a picture that is, is left for the next run. Links are not
followed. A file that fails in a way nobody foresaw goes to `failed/` with the error, and the others go on.

Pictures downloaded for a file's items are written with their items in parts, so no more than about
INGEST_PICTURE_BYTES_IN_MEMORY (twice that at worst) is held at once, whatever the file names.
"""

import base64
import logging
import os
import socket
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

import defusedxml.ElementTree
from django.conf import settings
from django.db import DatabaseError
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


class NotSettled(Exception):
    """A drop-folder file, or a picture it names, is still being written: the file waits for the next run."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


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
            poll_folder(feed, result, user, fetch_pictures, owner)
        elif feed.kind == Feed.Kind.LINKS:
            poll_links(feed, result, user, fetch_pictures, owner)
        else:
            poll_url(feed, result, user, fetch_pictures, owner)
    except (FeedError, FetchError, ParseError, OSError) as error:
        result.error = getattr(error, "reason", None) or str(error) or type(error).__name__
    except Exception as error:  # noqa: BLE001 - one feed's unexpected failure must not stop the others
        logger.exception("Polling the feed %s failed", feed.name)
        result.error = gettext("unexpected error: {error}").format(error=f"{type(error).__name__}: {error}")
    finally:
        try:
            record_health(feed, result, now)
        finally:
            give_back_lease(feed, owner)
    return result


def take_lease(feed, owner, now):
    # One UPDATE decides: only one process finds the row free and takes it, on PostgreSQL and SQLite alike.
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    if feed.is_due(now):
        # Chosen because it was due: a process that polled it since (and gave the lease back) made it not due, and
        # it is not polled twice. A feed polled on demand (`--feed`, the admin) is taken due or not.
        free &= Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - timedelta(seconds=feed.poll_interval))
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
    try:
        feed.refresh_from_db()
    except Feed.DoesNotExist:
        pass  # deleted in the admin while it was polled: there is nothing left to record, and the others go on


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


def ingest(feed, name, data, *, user, resolve=None, fetch_pictures=True, result=None, renew=None):
    """
    Parse one file of a feed, complete its items (language, agency, pictures) and write them: in parts when their
    downloaded pictures would hold too much in memory at once. `renew()` is called before each part is written.
    """
    try:
        parsed = parse_each(data, name, feed.format)
    except ParseError as error:
        return [Outcome(FAILED, file=name, reason=error.reason)]
    for entry in parsed:
        if isinstance(entry, ParsedItem):
            entry.language = entry.language or feed.language
            if not entry.agencies and feed.source is not None:
                entry.agencies = [feed.source.code]
    options = {"user": user, "file": name, "feed": feed, "resolve": resolve, "renew": renew}
    if not fetch_pictures:
        return write(parsed, parsed, **options)
    budget = settings.INGEST_PICTURE_BYTES_IN_MEMORY
    stored = stored_pictures(parsed)
    outcomes, part, held = [], [], 0
    for entry in parsed:
        part.append(entry)
        if isinstance(entry, ParsedItem):
            arrived, size = download_pictures([entry], stored=stored, budget=budget)
            held += size
            if result is not None:
                result.pictures += arrived
        if held >= budget:
            outcomes.extend(write(part, parsed, **options))
            stored.update(downloaded_identifiers(part))
            part, held = [], 0
    if part or not parsed:
        outcomes.extend(write(part, parsed, **options))
    return outcomes


def write(part, parsed, *, user, file, feed, resolve, renew):
    """Write `part` of a file's `parsed` entries, then let go of their pictures' bytes."""
    if renew is not None:
        renew()
    outcomes = import_parsed(
        part,
        user=user,
        check_permission=False,
        file=file,
        feed=feed,
        create_articles=feed.creates_articles,
        resolve=resolve,
        sources=SourceIndex(),
    )
    if len(part) != len(parsed) and len(outcomes) == len(part):
        # The writer numbers the items it is given; an item without an id is named by its place in the file.
        first = next(number for number, entry in enumerate(parsed, start=1) if entry is part[0])
        for number, (entry, outcome) in enumerate(zip(part, outcomes, strict=True), start=first):
            if not (entry.identifier if isinstance(entry, ParsedItem) else entry.item):
                outcome.item = str(number)
    for entry in part:
        for image in getattr(entry, "images", ()):
            image.content = None  # stored now, or refused: the outcomes kept for the report need not hold it
    return outcomes


def stored_pictures(parsed):
    """The agency ids of the pictures `parsed` names by web address that we already have (with a file)."""
    wanted = wanted_pictures([entry for entry in parsed if isinstance(entry, ParsedItem)])
    if not wanted:
        return set()
    return set(
        Image.objects.filter(source_identifier__in={image.identifier for _item, image in wanted})
        .exclude(file="")
        .values_list("source_identifier", flat=True)
    )


def wanted_pictures(items):
    wanted = [
        (item, image)
        for item in items
        for image in item.images
        if image.remote_url and image.content is None and not image.filename
    ]
    for _item, image in wanted:
        # A picture the agency gives no id is known by its address.
        image.identifier = image.identifier or image.remote_url[:500]
    return wanted


def downloaded_identifiers(part):
    return {
        image.identifier
        for entry in part
        for image in getattr(entry, "images", ())
        if image.remote_url and image.filename and image.identifier
    }


def download_pictures(items, *, stored=None, budget=None):
    """
    Fetch the pictures items name by web address that we do not have yet (`stored` agency ids, looked up when not
    given); a picture refused or unreachable, or past the `budget` of bytes for one item, stays a warning and the
    item arrives without it. Returns how many arrived and their bytes.
    """
    wanted = wanted_pictures(items)
    if not wanted:
        return 0, 0
    if stored is None:
        stored = stored_pictures(items)
    arrived = size = 0
    for item, image in wanted:
        if image.identifier in stored:
            continue
        if budget is not None and size >= budget:
            item.warnings.append(
                gettext(
                    "picture not downloaded: the item's pictures pass {limit} bytes (INGEST_PICTURE_BYTES_IN_MEMORY)"
                ).format(limit=f"{budget:,}")
            )
            continue
        try:
            image.content = fetch_picture(image.remote_url)
        except FetchError as error:
            item.warnings.append(gettext("picture not downloaded: {reason}").format(reason=error.reason))
            continue
        image.filename = Path(image.remote_url.split("?")[0]).name or "picture"
        arrived += 1
        size += len(image.content)
    return arrived, size


# --- drop folders ---------------------------------------------------------------------------------------------------


FILING_FOLDERS = ("done", "failed")


def poll_folder(feed, result, user, fetch_pictures, owner=None):
    folder = Path(feed.location)
    if not feed.is_in_drop_root():
        raise FeedError(
            gettext("the drop folder {folder} is not below INGEST_DROP_ROOT; nothing there is read").format(
                folder=folder
            )
        )
    if not folder.is_dir():
        raise FeedError(gettext("the drop folder {folder} does not exist").format(folder=folder))
    for name in FILING_FOLDERS:
        filing = folder / name
        # A file there would stop every move; a link would move the agency's files out of the drop folder.
        if filing.is_symlink() or (filing.exists() and not filing.is_dir()):
            raise FeedError(
                gettext(
                    "{path} is not a folder; read files are filed away in done/ and failed/, so move it away"
                ).format(path=filing)
            )
    settled = timezone.now().timestamp() - settings.INGEST_SETTLE_SECONDS
    for path in sorted(folder.iterdir()):
        if path.name in FILING_FOLDERS or path.name.startswith(".") or path.name.lower().endswith(TEMPORARY_SUFFIXES):
            continue
        if path.is_symlink():
            # Whatever it points to (a file of another feed, or outside the drop root), it is not this feed's to read.
            outcome = Outcome(FAILED, file=path.name, reason=gettext("a link; links in a drop folder are not followed"))
            result.outcomes.append(outcome)
            file_safely(path, folder / "failed", [outcome], result)
            continue
        if not path.is_file() or path.suffix.lower() in files.PICTURE_SUFFIXES:
            continue  # pictures are read with the item that names them, and moved with it
        used = []
        try:
            poll_file(feed, folder, path, result, user, fetch_pictures, settled, used)
        except NotSettled as waiting:
            result.left.append(f"{path.name}: {waiting.reason}")
        except DatabaseError:
            raise  # the database, not the file: the file stays for a run that can write it
        except Exception as error:  # noqa: BLE001 - one file's unforeseen failure must not block the files after it
            logger.exception("Importing %s from the drop folder of the feed %s failed", path, feed.name)
            reason = gettext("unexpected error: {error}").format(error=f"{type(error).__name__}: {error}")
            outcome = Outcome(FAILED, file=path.name, reason=reason)
            result.outcomes.append(outcome)
            file_safely(path, folder / "failed", [outcome], result, [folder / name for name in used])
        if owner is not None:
            renew_lease(feed, owner)


def poll_file(feed, folder, path, result, user, fetch_pictures, settled, used):
    """Import one drop-folder file and file it away; NotSettled when it (or a picture it names) is still written."""
    before = path.stat()
    if before.st_mtime > settled:
        raise NotSettled(gettext("still being written"))
    outcomes = []
    with ExitStack() as stack:
        # A zip stays open until its items are written: they read their pictures from it.
        entries = list(files.path_inputs(path, stack))
        after = path.stat()
        if (after.st_size, after.st_mtime) != (before.st_size, before.st_mtime):
            raise NotSettled(gettext("changed while read"))
        for entry in entries:
            if isinstance(entry, ParseError):
                outcomes.append(Outcome(FAILED, file=path.name, reason=entry.reason))
                continue
            # A zip's items read pictures from the zip; the file's own from the drop folder, moved with it.
            is_member = entry.name != str(path)
            resolve = entry.resolve if is_member else folder_pictures(entry.resolve, folder, used, settled)
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
        raise NotSettled(gettext("written by another import at the same moment"))
    result.outcomes.extend(outcomes)
    failed = any(outcome.status == FAILED for outcome in outcomes)
    file_away(path, folder / ("failed" if failed else "done"), outcomes, [folder / name for name in used])


def folder_pictures(resolve, folder, used, settled):
    """
    A picture resolver for a drop-folder file: it refuses links, leaves the file for the next run when a picture is
    still being written, and notes the drop folder's pictures an item used, to move them with it.
    """

    def wrapped(relative):
        picture = folder / relative
        if "://" not in relative and picture.is_symlink():
            raise ParseError(gettext("picture {name} is a link; links are not followed").format(name=relative))
        before = picture.stat() if "://" not in relative and picture.is_file() else None
        if before is not None and before.st_mtime > settled:
            raise NotSettled(gettext("picture {name} is still being written").format(name=relative))
        data = resolve(relative)
        if before is not None:
            after = picture.stat()
            if (after.st_size, after.st_mtime) != (before.st_size, before.st_mtime):
                raise NotSettled(gettext("picture {name} changed while read").format(name=relative))
        if data is not None and "/" not in relative.strip("./"):
            used.append(relative.strip("./"))
        return data

    return wrapped


def file_safely(path, target_folder, outcomes, result, pictures=()):
    """file_away, noting (not raising) a failure to move: the file stays where it is, and the others go on."""
    try:
        file_away(path, target_folder, outcomes, pictures)
    except OSError as error:
        logger.exception("Moving %s to %s failed", path, target_folder)
        result.left.append(
            gettext("{name}: could not be moved to {folder}: {error}").format(
                name=path.name, folder=target_folder.name, error=error
            )
        )


def file_away(path, target_folder, outcomes, pictures=()):
    """Move a read file (and the pictures it used) to `done/` or `failed/`, with what happened in a `.txt` beside."""
    target_folder.mkdir(exist_ok=True)
    report = "\n".join(outcome.describe() for outcome in outcomes) or gettext("no items")
    target = reserve(target_folder, path.name, report + "\n")
    path.replace(target)
    for picture in pictures:
        if picture.exists() and not picture.is_symlink():
            picture.replace(free_name(target_folder / picture.name))


def reserve(folder, name, report):
    """
    A name in `folder` free for the file and for its report alike, taken by creating the report exclusively: a file
    filed away before (an agency's `story.json.txt` too) is never overwritten.
    """
    for attempt in range(100):
        candidate = stamped(folder / name, attempt)
        if candidate.exists() or candidate.is_symlink():
            continue
        try:
            with open(candidate.with_name(candidate.name + ".txt"), "x", encoding="utf-8") as file:
                file.write(report)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(gettext("no free name for {name} in {folder}").format(name=name, folder=folder))


def free_name(path):
    """`path`, or the same name with a time stamp when a file of that name was filed away before."""
    for attempt in range(100):
        candidate = stamped(path, attempt)
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
    raise FileExistsError(gettext("no free name for {name}").format(name=path))


def stamped(path, attempt):
    if attempt == 0:
        return path
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f") + (f"-{attempt}" if attempt > 1 else "")
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
    # Only once everything the answer brought is in: a validator saved earlier makes the next poll's answer a 304,
    # and an entry or item that failed for now would never be fetched again.
    feed.http_state[key] = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }


def get(feed, url, key):
    """
    GET a feed's address (conditionally); None when it has not changed since the last poll. The caller remembers
    its validators once what it brought is in.
    """
    response = fetch_with_retries(
        url, max_bytes=settings.IMPORT_MAX_FILE_BYTES, headers={**credentials(feed), **conditional(feed, key)}
    )
    if response.status == 304:
        return None
    if response.status != 200:
        raise FeedError(gettext("{url} answered {status}").format(url=url[:200], status=response.status))
    return response


def poll_url(feed, result, user, fetch_pictures, owner=None):
    response = get(feed, feed.location, "document")
    if response is None:
        return
    outcomes = ingest(
        feed,
        feed.location,
        response.body,
        user=user,
        fetch_pictures=fetch_pictures,
        result=result,
        renew=(lambda: renew_lease(feed, owner)) if owner is not None else None,
    )
    result.outcomes.extend(outcomes)
    if not any(outcome.retry for outcome in outcomes):
        remember_validators(feed, "document", response)


def poll_links(feed, result, user, fetch_pictures, owner):
    response = get(feed, feed.location, "document")
    if response is None:
        return
    seen = dict(feed.http_state.get("seen", {}))
    errors = []
    retried = False
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
        if any(outcome.retry for outcome in outcomes):
            retried = True
        else:
            seen[key] = timezone.now().isoformat()
        renew_lease(feed, owner)
    # The most recent entries only: a feed lists its latest, so older keys will not come back.
    feed.http_state["seen"] = dict(sorted(seen.items(), key=lambda pair: pair[1])[-SEEN_ENTRIES:])
    if errors:
        raise FeedError("; ".join(errors[:5]))
    if not retried:
        remember_validators(feed, "document", response)


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
