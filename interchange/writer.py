"""
The one place parsed items become articles and wire copy. A file is written in one transaction, each item inside its
own savepoint, upserted on its source identifier: a failing item leaves nothing behind, and a re-import updates
instead of duplicating. What a file's items need from the database (the articles they update, their pictures, wire
copies, topics, free short codes) is read once per file, and the revisions and log entries of all its items are
written together at its end (`articles.audit.record_each`): a file of fifty items costs a handful of queries more
than one item, not fifty times as many.

Every item received is kept as wire copy (`WireItem`), in any language. Items in a publishing language also become
that language version of an article, unless the feed keeps its items on the wire for an editor to use; items in other
languages stay wire copy, which an editor uses as the source of a translation.

Every import is made by a user, and the newsroom's rules apply to it as to the admin: publishing needs the publish
permission, and so does changing an article (or a picture) readers see or are about to see; a newer version of such
an article from a user who may not change it waits as a PendingUpdate. An item that cannot go live yet is written as
a draft, with the reason. Each written item keeps a revision and an admin log entry naming the user and the file.
The import command without a user acts as its own system account, which the rules do not bind
(`check_permission=False`): whoever runs it has the shell.
"""

import dataclasses
import hashlib
import json
import logging
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import languages, sanitizer
from articles.audit import Change, record_each
from articles.models import (
    PUBLISH_PERMISSION,
    Article,
    ArticleSource,
    Caption,
    Category,
    Image,
    Placement,
    Rendition,
    Source,
    Status,
    Topic,
    TranslationSource,
    generate_short_code,
    localized,
    new,
)
from articles.renditions import validate_image_file
from articles.search import normalize

from .importers import ParsedImage, ParsedItem, ParseError, files, parse_each
from .models import PendingUpdate, WireItem

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
CONFLICT = "conflict"
FAILED = "failed"
WIRE = "wire"

# What the Import page and the command call each outcome.
STATUS_LABELS = {
    CREATED: _("new"),
    UPDATED: _("update"),
    UNCHANGED: _("unchanged"),
    CONFLICT: _("conflict: waits for an editor"),
    FAILED: _("fails"),
    WIRE: _("wire copy"),
}
# What the relations of an article's revision read: its followed relations (with what they name in the history) and
# many-to-many fields.
REVISION_PREFETCH = (
    Prefetch("source_links", queryset=ArticleSource.objects.select_related("source")),
    Prefetch("captions", queryset=Caption.objects.select_related("image")),
    "categories",
    "topics",
    "related",
)
# What an unchanged item's article and wire copy are read with: what the comparison and the report read of them.
LIGHT_ARTICLE = ("id", "source_identifier", "short_code", "import_state", *languages.fields("headline"))
LIGHT_WIRE = ("id", "identifier", "fingerprint", "version", "versioned_at", "article_id", "headline", "language")


@dataclass
class Outcome:
    """What happened to one item: the status, the article (if any), and a reason or warnings to show."""

    status: str
    file: str = ""
    item: str = ""
    article: Article | None = None
    language: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    draft_reason: str = ""  # why an item asked to be published was kept as a draft
    wire: WireItem | None = None
    parsed: ParsedItem | None = None
    retry: bool = False  # failed only because another process wrote the same items at that moment

    @property
    def label(self):
        return STATUS_LABELS[self.status]

    def describe(self):
        label = f"{self.file} [{self.item}]" if self.item and self.item != self.file else self.file
        if self.status == FAILED:
            return gettext("{item}: failed: {reason}").format(item=label, reason=self.reason)
        if self.status == WIRE:
            headline = self.parsed.headline if self.parsed else ""
            language = (self.parsed.language if self.parsed else "") or "?"
            return f"{label}: {self.label} ({language}) {headline}".rstrip()
        headline = self.article.text("headline", self.language) if self.article else ""
        code = self.article.short_code if self.article else ""
        text = f"{label}: {self.status} {code} ({self.language}) {headline}".rstrip()
        for reason in (self.reason, self.draft_reason):
            if reason:
                text += f" ({reason})"
        return text


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status):
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failed(self):
        return [outcome for outcome in self.outcomes if outcome.status == FAILED]

    @property
    def drafts(self):
        return [outcome for outcome in self.outcomes if outcome.draft_reason]

    def __str__(self):
        text = gettext("imported {created}, updated {updated}, unchanged {unchanged}, failed {failed}").format(
            created=self.count(CREATED),
            updated=self.count(UPDATED),
            unchanged=self.count(UNCHANGED),
            failed=self.count(FAILED),
        )
        if conflicts := self.count(CONFLICT):
            text += gettext(", conflicts {count}").format(count=conflicts)
        if wire := self.count(WIRE):
            text += gettext(", kept as wire copy {count}").format(count=wire)
        if drafts := len(self.drafts):
            text += gettext(", kept as draft {count}").format(count=drafts)
        return text


class SourceIndex:
    """Agency names and abbreviations in either language, mapped to Sources; unknown agencies are created."""

    def __init__(self):
        self.reload()

    def reload(self):
        """Read the sources again; after a rolled-back item, sources it created no longer exist."""
        self.by_alias = {}
        for source in Source.objects.all():
            self.add(source)
        self._categories = None

    def categories(self):
        """(category, normalised spellings) pairs, read once per run rather than once per item."""
        if self._categories is None:
            self._categories = [
                (category, {normalize(s) for s in (*self.names(category), *category.aliases) if s})
                for category in Category.objects.all()
            ]
        return self._categories

    def add(self, source):
        spellings = [source.code, *self.names(source), *source.aliases]
        for spelling in spellings:
            if spelling:
                self.by_alias.setdefault(self.key(spelling), source)

    @staticmethod
    def names(obj):
        """A source's or category's name in every language."""
        return [getattr(obj, localized("name", code)) for code in languages.CODES]

    @staticmethod
    def key(spelling):
        # `د ب أ`, `د.ب.ا` and `DPA` are all dpa.
        return normalize(spelling).replace(".", "").replace(" ", "")

    def find(self, spelling):
        return self.by_alias.get(self.key(spelling))

    def resolve(self, spelling):
        source = self.find(spelling)
        if source is None:
            code = normalize(spelling).replace(" ", "-")[:40] or "unknown"
            source, _created = Source.objects.get_or_create(
                code=code, defaults={"name": spelling, "aliases": [spelling], "needs_naming": True}
            )
            self.add(source)
        return source


class Batch:
    """
    What the items of one file need from the database, read once: the articles they update (locked until the file
    commits), the pictures they name, their wire copies, topics and free short codes; and the changes to record when
    the file is done.
    """

    def __init__(self, items, sources=None, dry_run=False, targets=None):
        """
        `targets` ({id(item): language}), when known (a file's import), lets the batch read light what an item the
        same as or older than the stored version leaves untouched: its article and wire copy with only what the
        comparison and the report read, and not its pictures. What an item may change is read whole.
        """
        items = [item for item in items if isinstance(item, ParsedItem)]
        # A dry run (the Import page's preview) checks pictures but stores no file: its writes are rolled back.
        self.dry_run = dry_run
        self.sources = sources or SourceIndex()
        self.fingerprints = {}
        identifiers = {item.identifier for item in items if item.identifier}
        codes = {item.short_code for item in items if item.short_code}
        articles = Article.objects.select_for_update()

        def article_settled(article, item):
            state = article.import_state.get(targets[id(item)]) or {}
            return is_unchanged(state, item, self.fingerprint(item))

        def wire_settled(wire, item):
            return wire.fingerprint == self.fingerprint(item) or is_not_newer(wire.version, wire.versioned_at, item)

        self.articles = self.read(
            articles, "source_identifier", identifiers, items, LIGHT_ARTICLE, targets is not None and article_settled
        )
        self.by_short_code = {a.short_code: a for a in articles.filter(short_code__in=codes)} if codes else {}
        self.wire = self.read(
            WireItem.objects.select_for_update(), "identifier", identifiers, items, LIGHT_WIRE, wire_settled
        )
        # Items that will write nothing (their article and wire copy both read light) need no pictures.
        untouched = {
            id(item)
            for item in items
            if targets is not None
            and self.wire.get(item.identifier) is not None
            and self.is_light(self.wire[item.identifier])
            and (
                self.is_light(self.articles.get(item.identifier))
                or (targets[id(item)] not in languages.CODES and item.identifier not in self.articles)
            )
        }
        picture_ids = {
            image.identifier for item in items if id(item) not in untouched for image in item.images if image.identifier
        }
        self.images = (
            {image.source_identifier: image for image in Image.objects.filter(source_identifier__in=picture_ids)}
            if picture_ids
            else {}
        )
        self.topics = {}
        self.free_codes = []
        self.new_articles = sum(1 for item in items if item.identifier not in self.articles)
        self.changes = []
        self.item_images = {}  # identifier -> pictures the item's article shows, for its wire copy
        # Rows of new articles' relations, inserted together when the file's items are written (`write_pending`).
        self.pending = {"articles": [], "images": [], "links": [], "captions": [], "through": []}
        self.created = {}  # identifier -> article created from this file
        self._undo = []
        # Pictures given a file, as (image, whether it was new, storage, names of its file and renditions): a
        # rolled-back write deletes the files and forgets them.
        self.stored_files = []
        self._item_files = 0
        for language in {item.language for item in items}:
            self.load_topics([name for item in items if item.language == language for name in item.topics], language)

    @staticmethod
    def read(queryset, key, identifiers, items, light_fields, settled):
        """
        The rows of `queryset` whose `key` is among `identifiers`, by key. A row is read light (only
        `light_fields`) when `settled(row, item)` says that every item of the file for it is the same as or older
        than what it stores; every row whole when `settled` is false.
        """
        rows = queryset.filter(**{f"{key}__in": identifiers})
        if not settled or not identifiers:
            return {getattr(row, key): row for row in rows}
        light = {getattr(row, key): row for row in rows.only(*light_fields)}
        for row in light.values():
            row.read_light = True
        changing = {
            item.identifier for item in items if item.identifier in light and not settled(light[item.identifier], item)
        }
        if changing:
            light.update({getattr(row, key): row for row in queryset.filter(**{f"{key}__in": changing})})
        return light

    @staticmethod
    def is_light(row):
        """Whether `row` was read light: then it is never written."""
        return getattr(row, "read_light", False)

    # --- per item -----------------------------------------------------------------------------------------------
    def begin_item(self):
        self._undo = []
        self._item_files = len(self.stored_files)

    def forget_item(self):
        """An item's savepoint was rolled back: forget what it added to the batch, and delete the files it stored."""
        self.discard_files(self._item_files)
        for mapping, key in self._undo:
            if isinstance(mapping, dict):
                mapping.pop(key, None)
            elif isinstance(mapping, list):
                mapping.remove(key)
            elif isinstance(mapping, set):
                mapping.discard(key)
        self._undo = []
        self.sources.reload()

    def store_picture(self, image):
        """
        Save a picture that gets a new file, remembering the files stored for it (the original and its renditions):
        they outlive a rollback of the rows, so `forget_item` and `discard_files` delete them then.
        """
        adding = image._state.adding
        try:
            image.save()
        except BaseException:
            if image.file and getattr(image.file, "_committed", False):
                image.file.delete(save=False)  # stored before the row failed (renditions clean up after themselves)
            raise
        names = [image.file.name, *Rendition.objects.filter(image=image).values_list("file", flat=True)]
        self.stored_files.append((image, adding, image.file.storage, names))

    @contextmanager
    def files_kept_on_success(self):
        """The block's stored files are deleted if it fails (its transaction then rolls back the rows naming them)."""
        try:
            yield
        except BaseException:
            self.discard_files()
            raise

    def discard_files(self, start=0):
        """
        Delete the files stored since `stored_files[start]`: the rows naming them were rolled back. The pictures
        forget them too (and a new one its id), so a later item of the file stores its file again.
        """
        for image, adding, storage, names in self.stored_files[start:]:
            for name in names:
                try:
                    storage.delete(name)
                except Exception:  # noqa: BLE001 - an orphaned file is no reason to fail the import
                    logger.warning("could not delete %s after a rolled-back import", name, exc_info=True)
            image.file = None
            image.forget_prefetched_renditions()
            if adding:
                image.pk, image._state.adding = None, True
        del self.stored_files[start:]

    def defer(self, kind, obj):
        """Insert `obj` (a relation of a new article) with the others of its kind when the file is written."""
        self.pending[kind].append(obj)
        self._undo.append((self.pending[kind], obj))

    def write_pending(self):
        """The new articles, their pictures, agencies, captions and classifications: one insert per kind."""
        Article.objects.create_many(self.pending["articles"])
        images = list({id(image): image for image in self.pending["images"] if image.pk is None}.values())
        Image.objects.bulk_create(images)
        ArticleSource.objects.bulk_create(self.pending["links"])
        Caption.objects.bulk_create(self.pending["captions"])
        by_model = {}
        for model, article, column, value in self.pending["through"]:
            by_model.setdefault(model, []).append(model(article_id=article.pk, **{column: value}))
        for model, rows in by_model.items():
            model.objects.bulk_create(rows, ignore_conflicts=True)
        self.pending = {kind: [] for kind in self.pending}

    def was_created_here(self, item):
        """Whether the item's article was created from this file (its relations may still be pending)."""
        article = self.article_for(item)
        return article is not None and self.created.get(article.source_identifier) is article

    def remember(self, mapping, key, value):
        if key not in mapping:
            self._undo.append((mapping, key))
        mapping[key] = value

    def encoded(self, item):
        """The item's canonical JSON and its fingerprint, worked out once per item."""
        key = id(item)
        if key not in self.fingerprints:
            text = encoded(item)
            self.fingerprints[key] = (text, digest_of(text))
        return self.fingerprints[key]

    def payload(self, item):
        return json.loads(self.encoded(item)[0])

    def fingerprint(self, item):
        return self.encoded(item)[1]

    def article_for(self, item):
        """The article an item belongs to: by its source identifier, else by its short code (a DW short link)."""
        article = self.articles.get(item.identifier)
        if article is None and item.short_code:
            article = self.by_short_code.get(item.short_code)
        return article

    def short_code(self):
        """A short code no article has, drawn for all of the file's new articles with one query."""
        if not self.free_codes:
            wanted = max(self.new_articles, 1) + 2
            candidates = {generate_short_code() for _ in range(wanted)}
            taken = set(Article.objects.filter(short_code__in=candidates).values_list("short_code", flat=True))
            self.free_codes = sorted(candidates - taken)
        return self.free_codes.pop()

    def short_code_taken(self, code, article):
        owner = self.by_short_code.get(code)
        if owner is None:
            owner = Article.objects.filter(short_code=code).exclude(pk=article.pk).first()
        return owner is not None and owner.pk != article.pk

    def image_for(self, parsed):
        if parsed.identifier and parsed.identifier in self.images:
            return self.images[parsed.identifier]
        return new(Image, source_identifier=parsed.identifier)

    def load_topics(self, names, language):
        """Read the topics `names` name in `language` that the batch has not read yet (one query for all)."""
        known = self.topics.setdefault(language, {})
        missing = {Topic.slug_for(name) for name in names} - set(known) - {""}
        if missing and language in languages.CODES:
            for topic in Topic.objects.filter(**{f"{localized('slug', language)}__in": missing}):
                known[getattr(topic, localized("slug", language))] = topic
        return known

    def writes_alone(self, item, language):
        """
        Whether writing the item writes to the database at once (so it needs a savepoint of its own): an update, a
        picture file to store, an agency or topic to create. A new article otherwise only adds rows the file's
        end inserts, and an item that fails before then leaves nothing behind.
        """
        if self.article_for(item) is not None:
            return True
        if any(image.content or image.filename or image.identifier in self.images for image in item.images):
            return True  # a file to store, or a stored picture to update
        if any(self.sources.find(spelling) is None for spelling in item.agencies):
            return True
        known = self.topics.get(language, {})
        return any(Topic.slug_for(name) not in known for name in item.topics if Topic.slug_for(name))

    def topics_for(self, names, language):
        """The topics named `names` in `language`; unknown ones are created."""
        known = self.load_topics(names, language)
        slugs = {Topic.slug_for(name): name for name in names if Topic.slug_for(name)}
        topics = []
        for slug, name in slugs.items():
            if slug not in known:
                topic = Topic(**{localized("name", language): name[:150], localized("slug", language): slug})
                topic.save()
                self.remember(known, slug, topic)
            topics.append(known[slug])
        return topics

    def record(self, change):
        self.changes.append(change)
        self._undo.append((self.changes, change))

    def flush(self, user):
        """One revision and log entry per written item, all at once."""
        record_each(self.changes, user, prefetch=REVISION_PREFETCH)
        self.changes = []


ITEM_FIELDS = [item_field.name for item_field in dataclasses.fields(ParsedItem)]
IMAGE_FIELDS = [image_field.name for image_field in dataclasses.fields(ParsedImage) if image_field.name != "content"]


def encoded(item):
    """
    The item as canonical JSON (keys sorted; picture bytes replaced by their digest): its payload, for wire copies
    and pending updates, is that JSON read back, and its fingerprint that JSON's digest, so one encoding gives both.
    """
    # What dataclasses.asdict gives, without its deep copies.
    data = {name: getattr(item, name) for name in ITEM_FIELDS}
    data["images"] = [
        {
            **{name: getattr(image, name) for name in IMAGE_FIELDS},
            "content_sha256": hashlib.sha256(image.content).hexdigest() if image.content else "",
        }
        for image in item.images
    ]
    try:
        return json.dumps(data, default=str, sort_keys=True)
    except TypeError:
        # Keys of several types (numbers and text in an agency's metadata) are sorted once they are all text.
        return json.dumps(json.loads(json.dumps(data, default=str)), sort_keys=True)


def to_payload(item):
    """The item as JSON-ready data, for pending updates."""
    return json.loads(encoded(item))


def from_payload(data):
    """The inverse of `to_payload` (pictures come back without their bytes)."""
    data = dict(data)
    images = [
        ParsedImage(**{k: v for k, v in image.items() if k in ParsedImage.__dataclass_fields__ and k != "content"})
        for image in data.pop("images", [])
    ]
    for name in ("published_at", "updated_at", "embargoed_until"):
        data[name] = parse_datetime(data[name]) if data.get(name) else None
    return ParsedItem(images=images, **{k: v for k, v in data.items() if k in ParsedItem.__dataclass_fields__})


def digest_of(text):
    """The fingerprint of an item's canonical JSON: what recognises the same input as unchanged."""
    return hashlib.sha256(text.encode()).hexdigest()


def version_key(version, updated_at):
    """Something to compare agency versions by: the version number where it is one, else the version time."""
    if version and str(version).isdigit():
        return (1, int(version))
    if updated_at:
        return (0, updated_at.timestamp())
    return None


def is_not_newer(version, updated_at, item):
    """Whether `item` is the same as or older than a stored version (`version`, `updated_at`)."""
    if isinstance(updated_at, str):
        updated_at = parse_datetime(updated_at) if updated_at else None
    stored = version_key(version or "", updated_at)
    incoming = version_key(item.version, item.updated_at)
    return stored is not None and incoming is not None and stored[0] == incoming[0] and incoming <= stored


def check_publish_permission(user, publish, check_permission=True):
    """Publishing on import needs the publish permission; without it the whole import is refused before it starts."""
    if publish and check_permission and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(
            gettext(
                "You may not publish articles, so nothing was imported. Import without “publish”; "
                "an editor who may publish then publishes the articles."
            )
        )


def has_text(html):
    """Whether HTML holds any text; a cheap check where Django's strip_tags would parse it."""
    return bool(sanitizer.ANY_TAG.sub("", html or "").replace("&nbsp;", "").strip())


def import_items(
    parsed,
    *,
    user,
    check_permission=True,
    file="",
    publish=False,
    dry_run=False,
    language=None,
    choices=None,
    sources=None,
    resolve=None,
    feed=None,
    create_articles=True,
):
    """
    Write each parsed item (or report each ParseError) of one file as `user`; returns a list of Outcomes.

    `language` imports every item as that language version; `choices` ({identifier: code}) chooses per item ("" keeps
    it as wire copy). Items in no publishing language, and every item when `create_articles` is off, are kept as
    wire copy only. Call it inside a transaction (`import_data` does): the batch locks the articles it updates.
    """
    targets = {
        id(entry): (choices or {}).get(entry.identifier, language or entry.language)
        for entry in parsed
        if isinstance(entry, ParsedItem)
    }
    batch = Batch(parsed, sources, dry_run=dry_run, targets=targets)

    def may_change(obj):
        return not check_permission or obj.may_be_changed_by(user)

    with batch.files_kept_on_success():
        outcomes = []
        received = []
        for number, entry in enumerate(parsed, start=1):
            label = str(number) if len(parsed) > 1 else ""
            if isinstance(entry, ParseError):
                outcomes.append(Outcome(FAILED, file=file, item=entry.item or label, reason=entry.reason))
                continue
            target = targets[id(entry)]
            # A wire-only feed still updates an article an editor already made from the item.
            writes_article = create_articles or batch.article_for(entry) is not None
            if target not in languages.CODES or not writes_article:
                outcome = Outcome(WIRE, parsed=entry, warnings=entry.warnings)
                if target in languages.CODES:
                    outcome.reason = gettext("waits on the incoming wire for an editor")
                else:
                    outcome.reason = gettext("in {language}: kept as wire copy, the source of a translation").format(
                        language=entry.language or "?"
                    )
            else:
                if batch.was_created_here(entry):
                    batch.write_pending()  # a second version of an item in the same file updates what the first wrote
                batch.begin_item()
                try:
                    check_item(entry, target)
                    outcome = unchanged(entry, target, batch)
                    if outcome is None:
                        savepoint = transaction.atomic() if batch.writes_alone(entry, target) else nullcontext()
                        with savepoint:
                            outcome = write_item(
                                entry,
                                user=user,
                                check_permission=check_permission,
                                publish=publish,
                                language=target,
                                resolve=resolve,
                                file=file,
                                batch=batch,
                            )
                except (ParseError, ValidationError, IntegrityError) as error:
                    if isinstance(error, ParseError):
                        reason = error.reason
                    elif isinstance(error, ValidationError):
                        reason = "; ".join(error.messages)
                    else:
                        reason = gettext("another import wrote this item at the same moment; import the file again")
                    outcome = Outcome(FAILED, reason=reason)
                    batch.forget_item()
                outcome.parsed = entry
            outcome.file = file
            outcome.item = entry.identifier or label
            outcomes.append(outcome)
            if entry.headline.strip() and entry.identifier:
                received.append(outcome)
        batch.write_pending()
        record_wire(received, batch, file=file, feed=feed, may_change=may_change)
        batch.flush(user)
        if dry_run:
            transaction.set_rollback(True)
    return outcomes


def write_item(
    item,
    *,
    user,
    check_permission=True,
    publish=False,
    dry_run=False,
    language=None,
    sources=None,
    resolve=None,
    file="",
    force=False,
    article=None,
    batch=None,
):
    """
    Create or update the article for one parsed item inside its own transaction, kept as a revision and logged in
    the admin's history, both naming `user` and the file.

    A re-import of the same item, or of an older or equal version, changes nothing. A newer version is kept as a
    PendingUpdate instead (a conflict) when an editor has changed the article since its last import, when the
    article is live or scheduled and `user` may not change it, or when its language version is live or scheduled and
    the new version lacks what a live version needs. `force` applies a pending version (an editor's decision) to
    its `article`: it overrides the first reason, never the others. Asked to `publish` an item that cannot go live
    yet, it writes a draft and says why (`Outcome.draft_reason`).
    """
    language = language or item.language
    check_item(item, language)
    check_publish_permission(user, publish, check_permission)
    if batch is not None:
        # Part of a file (`import_items`), which holds the item's savepoint and writes the batch when done.
        return _write(item, language, user, check_permission, publish, force, article, batch, file, resolve)
    with transaction.atomic():
        batch = Batch([item], sources, dry_run=dry_run)  # inside: it locks the rows it reads
        outcome = _write(item, language, user, check_permission, publish, force, article, batch, file, resolve)
        batch.write_pending()
        batch.flush(user)
        if dry_run:
            transaction.set_rollback(True)
    return outcome


def check_item(item, language):
    """Refuse an item no article version can be made of, saying why."""
    if language not in languages.CODES:
        raise ParseError(
            gettext("the item is in {language}; articles are published in {languages}").format(
                language=repr(item.language), languages=", ".join(languages.CODES)
            )
        )
    if not item.headline.strip():
        raise ParseError(gettext("the item has no headline"))
    if item.pubstatus == "canceled":
        raise ParseError(gettext("the agency canceled this item; it is not imported"))
    if not has_text(item.body_html):
        raise ParseError(gettext("the item has no text (no body was found); nothing was written"))


def is_unchanged(state, item, digest):
    """Whether a language version's import `state` holds `item` (fingerprint `digest`) or a newer version of it."""
    return bool(state) and (
        state.get("fingerprint") == digest or is_not_newer(state.get("version"), state.get("updated_at"), item)
    )


def unchanged(item, language, batch):
    """The outcome of an item its article already has (the same or a newer version), else None."""
    article = batch.article_for(item)
    state = article.import_state.get(language, {}) if article is not None else {}
    if not is_unchanged(state, item, batch.fingerprint(item)):
        return None
    if state.get("fingerprint") == batch.fingerprint(item):
        return Outcome(UNCHANGED, article=article, language=language, warnings=item.warnings)
    reason = gettext("version {incoming} is not newer than {stored}").format(
        incoming=item.version or item.updated_at, stored=state.get("version") or state.get("updated_at")
    )
    return Outcome(UNCHANGED, article=article, language=language, reason=reason, warnings=item.warnings)


def _write(item, language, user, check_permission, publish, force, article, batch, file, resolve):
    def may_change(obj):
        return not check_permission or obj.may_be_changed_by(user)

    digest = batch.fingerprint(item)
    if article is None:
        article = batch.article_for(item)
    else:
        article = Article.objects.select_for_update().get(pk=article.pk)
    state = article.import_state.get(language, {}) if article is not None else {}
    if state and not force and (outcome := unchanged(item, language, batch)) is not None:
        return outcome
    if article is not None and not may_change(article):
        if force:
            raise PermissionDenied(
                gettext("The article is live or scheduled; only an editor who may publish can change it.")
            )
        keep_pending_update(article, item, language, digest, file)
        reason = gettext("the article is live or scheduled; the new version awaits an editor who may publish")
        return Outcome(CONFLICT, article=article, language=language, reason=reason, warnings=item.warnings)
    if (
        state
        and not force
        and state.get("content_digest")
        and article.content_digest(language) != state["content_digest"]
    ):
        keep_pending_update(article, item, language, digest, file)
        reason = gettext("an editor changed the article since its last import; the new version awaits review")
        return Outcome(CONFLICT, article=article, language=language, reason=reason, warnings=item.warnings)
    missing = missing_for_publishing(item, language)
    live = article is not None and article.status_in(language) in (Status.PUBLISHED, Status.SCHEDULED)
    if live and (reason := why_not_over_live(item, missing)):
        keep_pending_update(article, item, language, digest, file)
        return Outcome(CONFLICT, article=article, language=language, reason=reason, warnings=item.warnings)

    status = UPDATED if article is not None else CREATED
    if article is None:
        article = new(Article, source_identifier=item.identifier)
        batch.remember(batch.articles, item.identifier, article)
        batch.remember(batch.created, item.identifier, article)
    apply_item(article, item, language, batch)
    if not article.short_code:
        article.short_code = batch.short_code()
    batch.remember(batch.by_short_code, article.short_code, article)
    draft_reason = ""
    if publish:
        draft_reason = why_not_live(item, language, missing)
        if not draft_reason:
            article.publish(language, when=item.published_at or item.updated_at)
    article.import_state = {
        **article.import_state,
        language: {
            "identifier": item.identifier,
            "fingerprint": digest,
            "version": str(item.version or ""),
            "updated_at": item.updated_at.isoformat() if item.updated_at else "",
            "content_digest": article.content_digest(language, [image.caption for image in item.images]),
            "embargoed_until": item.embargoed_until.isoformat() if item.embargoed_until else "",
        },
    }
    if status == CREATED:
        batch.defer("articles", article)  # inserted with the file's other new articles
    else:
        article.save()
    pictures, warnings, known = write_relations(
        article, item, language, batch, resolve, created=status == CREATED, may_change=may_change
    )
    batch.item_images[item.identifier] = pictures
    message = history_message(item, language, file, status, published=publish and not draft_reason, applied=force)
    if draft_reason:
        message = " ".join([message, draft_reason])
    batch.record(Change(article, message, ADDITION if status == CREATED else CHANGE, also=pictures, known=known))
    return Outcome(
        status,
        article=article,
        language=language,
        warnings=[*item.warnings, *warnings],
        draft_reason=draft_reason,
    )


def missing_for_publishing(item, language):
    """What a language version made from `item` would lack to be published (the names, translated)."""
    labels = {"headline": gettext("headline"), "teaser": gettext("teaser"), "body": gettext("body")}
    texts = {"headline": item.headline, "teaser": item.teaser, "body": item.body_html}
    return [labels[name] for name, text in texts.items() if not has_text(text)]


def why_not_live(item, language, missing):
    """Why an item asked to be published stays a draft, or "" when it can go live."""
    if item.pubstatus == "withheld":
        return gettext("kept as draft: the agency withholds the item for now")
    if missing:
        return gettext("kept as draft: {fields} missing in {language}").format(
            fields=languages.interface().join(missing), language=language
        )
    return ""


def why_not_over_live(item, missing):
    """
    Why `item` may not replace a live or scheduled version, not even by an editor's "apply", or "": the agency
    withholds it, or it lacks what a live version needs.
    """
    if item.pubstatus == "withheld":
        return gettext("the agency withholds the new version; the live version stays until an editor decides")
    if missing:
        return gettext("the new version has no {fields}; the live version stays until an editor decides").format(
            fields=languages.interface().join(missing)
        )
    return ""


def history_message(item, language, file, status, published=False, applied=False):
    """What the admin's history says of a written item: which version, from which file and agency version."""
    details = {
        "language": languages.name(language),
        "file": file or "—",
        "format": item.format,
        "version": item.version or (item.updated_at.isoformat() if item.updated_at else "—"),
    }
    if applied:
        message = gettext("Applied the agency's pending {language} version from {file} ({format} version {version}).")
    elif status == CREATED:
        message = gettext("Imported the {language} version from {file} ({format} version {version}).")
    else:
        message = gettext("Updated the {language} version from {file} ({format} version {version}).")
    if published:
        # Joined rather than an f-string: makemessages does not find gettext() calls inside f-strings.
        message = " ".join([message, gettext("Published the {language} version.")])
    return message.format(**details)


def keep_pending_update(article, item, language, digest, file):
    PendingUpdate.objects.get_or_create(
        article=article,
        fingerprint=digest,
        defaults={
            "language": language,
            "source_format": item.format,
            "source_version": str(item.version or item.updated_at or ""),
            "file_name": str(file)[:500],
            "payload": to_payload(item),
        },
    )


def apply_pending_update(pending, *, user, check_permission=True):
    """
    An editor accepts a pending agency version: it overwrites that language version, then is discarded. Raises
    PermissionDenied when the article is live or scheduled and `user` may not change it, and ValidationError with
    the reason when the version cannot be applied (withheld or incomplete over a live version, its short code taken
    since); either way it is kept.
    """
    item = from_payload(pending.payload)
    with transaction.atomic():
        try:
            outcome = write_item(
                item,
                user=user,
                check_permission=check_permission,
                language=pending.language,
                file=pending.file_name,
                force=True,
                article=pending.article,
            )
        except ParseError as error:  # its short code taken by another article since, say
            raise ValidationError(error.reason) from error
        if outcome.status == CONFLICT:
            raise ValidationError(outcome.reason)
        pending.delete()
    return outcome


def apply_item(article, item, language, batch):
    values = {
        "headline": item.headline.strip(),
        "teaser": item.teaser.strip(),
        "body": item.body_html,
        "initials": item.initials,
    }
    for name, value in values.items():
        setattr(article, localized(name, language), value)
    # Sanitized now (not again on save) so the content digest is of the text as stored.
    article.sanitize_bodies()
    if item.published_at and not article.published_at_in(language):
        setattr(article, localized("published_at", language), item.published_at)
    if item.short_code and article.short_code != item.short_code:
        if batch.short_code_taken(item.short_code, article):
            raise ParseError(
                gettext("short code {code} already belongs to another article").format(code=item.short_code)
            )
        article.short_code = item.short_code
    article.byline = item.byline or article.byline
    article.dateline = item.dateline or article.dateline
    article.embargoed_until = embargo_after(article, item, language)
    article.source_format = item.format
    article.source_version = str(item.version or "")
    if item.internal:
        article.agency_metadata = {**article.agency_metadata, language: item.internal}


def embargo_after(article, item, language):
    """
    The article's embargo once `item` is its `language` version. One embargo holds both languages and may be an
    editor's: an agency's new version moves or lifts only the embargo its previous version set (kept in the import
    state), never one an editor set or the other language's agency set; those stay unless the item's is later.
    """
    current = article.embargoed_until
    set_by = {
        code: parse_datetime(state["embargoed_until"])
        for code, state in article.import_state.items()
        if state.get("embargoed_until")
    }
    ours = set_by.get(language)
    kept = current is not None and (current != ours or current in [set_by[code] for code in set_by if code != language])
    return max([time for time in (item.embargoed_until, current if kept else None) if time is not None], default=None)


def write_relations(article, item, language, batch, resolve=None, created=False, may_change=None):
    """
    Agencies in order, mapped categories, topics, and images with their captions in this language; returns the
    pictures written and warnings. A new article's rows wait in the batch, to be inserted with the file's others.

    A picture that `may_change` refuses (it is shown in a live or scheduled article) is used as it is: the item's
    credit, alt text and file do not change what readers of that other article see.
    """
    warnings = []
    wanted = []
    for spelling in item.agencies:
        source = batch.sources.resolve(spelling)
        if source not in wanted:
            wanted.append(source)
    links = [
        new(ArticleSource, article=article, source=source, position=position) for position, source in enumerate(wanted)
    ]
    if created:
        for link in links:
            batch.defer("links", link)
    elif links:
        ArticleSource.objects.filter(article=article).delete()
        ArticleSource.objects.bulk_create(links)
    categories = match_categories(item.categories, batch.sources) if item.categories else []
    topics = batch.topics_for(item.topics, language) if item.topics else []
    through = [
        *((Article.categories.through, article, "category_id", category.pk) for category in categories),
        *((Article.topics.through, article, "topic_id", topic.pk) for topic in topics),
    ]
    known = None
    if created:
        for row in through:
            batch.defer("through", row)
        known = {
            "source_links": links,
            "categories": [category.pk for category in categories],
            "topics": [topic.pk for topic in topics],
            "related": [],
            "captions": [],
        }
    else:
        for model in {row[0] for row in through}:
            model.objects.bulk_create(
                [
                    model(article_id=article.pk, **{column: value})
                    for kind, _a, column, value in through
                    if kind is model
                ],
                ignore_conflicts=True,
            )

    captions = [] if created else list(article.captions.select_related("image"))
    pictures = []
    for position, parsed in enumerate(item.images):
        caption = captions[position] if position < len(captions) else None
        image = caption.image if caption is not None else batch.image_for(parsed)
        if may_change is None or may_change(image):
            if prepare_image(image, parsed, language, resolve, batch.dry_run):
                batch.store_picture(image)
            elif image.pk is not None or not created:
                image.save()
            elif not any(pending is image for pending in batch.pending["images"]):
                batch.defer("images", image)
            if parsed.identifier:
                batch.remember(batch.images, parsed.identifier, image)
        else:
            warnings.append(
                gettext("picture “%(image)s” is shown in a live or scheduled article; it was used as it is")
                % {"image": image}
            )
        pictures.append(image)
        caption = caption or new(Caption, article=article, image=image)
        caption.position = position
        caption.placement = Placement.LEAD if parsed.placement == "lead" else Placement.INLINE
        caption.paragraph = parsed.paragraph
        setattr(caption, localized("text", language), parsed.caption)
        if created:
            batch.defer("captions", caption)
            known["captions"].append(caption)
        else:
            caption.save()
    return pictures, warnings, known


def match_categories(names, sources):
    """Categories whose name (in either language) or alias is among `names`; unknown subjects map to nothing."""
    wanted = {normalize(name) for name in names}
    return [category for category, spellings in sources.categories() if spellings & wanted]


def prepare_image(image, parsed, language, resolve=None, check_only=False):
    """
    Set a picture's fields from the item; returns whether it gets a file now (and so must be saved on its own).
    `check_only` checks a file but does not give it to the picture (nothing is stored).
    """
    image.archive_title = parsed.archive_title or image.archive_title
    image.credit = parsed.credit or image.credit
    if parsed.alt_text and language in languages.CODES:
        setattr(image, localized("alt_text", language), parsed.alt_text)
    if parsed.remote_url:
        image.remote_url = parsed.remote_url
    if parsed.content is None and parsed.filename and resolve is not None:
        parsed.content = resolve(parsed.filename)
    if parsed.content and not image.file:
        upload = ContentFile(parsed.content, name=parsed.filename or "image.jpg")
        try:
            validate_image_file(upload)
        except ValidationError as error:
            raise ParseError(
                gettext("image {name}: {reason}").format(
                    name=parsed.filename or parsed.identifier, reason="; ".join(error.messages)
                )
            ) from None
        if check_only:
            return False
        image.file = upload
        return True
    return False


# --- wire copy ------------------------------------------------------------------------------------------------------


def wire_text(item):
    """An item's text as the wire keeps it: headline, teaser and the body sanitized."""
    return {
        "headline": item.headline.strip()[:500],
        "teaser": item.teaser.strip(),
        "body": sanitizer.clean_html(item.body_html) if item.body_html else "",
    }


def record_wire(outcomes, batch, *, file="", feed=None, may_change=None):
    """
    Keep every item received as wire copy, in one insert and one update for the file: a new item arrives as new, a
    newer version replaces the text (and translations made from it learn that their source changed), an older or
    the same version changes nothing. An item written as an article is linked to it and marked used. A picture
    of an item kept only as wire copy is given its file only where `may_change` allows (see `wire_pictures`).
    """
    now = timezone.now()
    created, updated, linked, changed_text, pictures = [], [], [], [], []
    for outcome in outcomes:
        item = outcome.parsed
        wire = batch.wire.get(item.identifier)
        article = outcome.article if outcome.article is not None and outcome.article.pk else None
        digest = batch.fingerprint(item)
        written = outcome if outcome.status in (CREATED, UPDATED) else None
        if wire is None:
            wire = new(WireItem, identifier=item.identifier[:500], received_at=now, feed=feed)
            fill_wire(wire, item, digest, file, now, batch, written)
            created.append(wire)
            batch.wire[item.identifier] = wire
        elif wire.fingerprint != digest and not is_not_newer(wire.version, wire.versioned_at, item):
            old_text = wire.text()
            fill_wire(wire, item, digest, file, now, batch, written)
            wire.feed = wire.feed or feed
            updated.append(wire)
            if wire.text() != old_text:
                changed_text.append(wire)
        elif article is not None and wire.article_id != article.pk:
            linked.append(wire)  # only its article and state change: it may have been read light
        else:
            outcome.wire = wire
            continue
        if article is not None:
            wire.article, wire.state = article, WireItem.State.USED
        outcome.wire = wire
        shown = (
            batch.item_images.get(item.identifier)
            if article is not None
            else wire_pictures(outcome, batch, file, may_change)
        )
        pictures.extend((wire, image) for image in shown or [] if image.pk)
    WireItem.objects.bulk_create(created)
    if updated:
        WireItem.objects.bulk_update(updated, [*WIRE_FIELDS, "feed", "article", "state"])
    if linked:
        WireItem.objects.bulk_update(linked, ["article", "state"])
    if pictures:
        through = WireItem.images.through
        through.objects.bulk_create(
            [through(wireitem_id=wire.pk, image_id=image.pk) for wire, image in pictures], ignore_conflicts=True
        )
    for wire in changed_text:
        TranslationSource.agency_item_changed(wire.identifier, wire.text())


def wire_pictures(outcome, batch, file="", may_change=None):
    """
    The pictures of an item kept only as wire copy, stored (with their renditions) when their files came with the
    item or were downloaded, so the wire shows them and an article made from the item later finds them.

    A stored picture waiting for its file gets it, and the item's credit and alt text, only if `may_change` allows
    (it is shown in a live or scheduled article: readers would see the change); the change is recorded in the
    picture's history like any other.
    """
    stored = []
    for parsed in outcome.parsed.images:
        image = batch.image_for(parsed)
        if not image.file and not parsed.content:
            continue
        if not image.file:
            if image.pk is not None and may_change is not None and not may_change(image):
                outcome.warnings.append(
                    gettext("picture “%(image)s” is shown in a live or scheduled article; it was used as it is")
                    % {"image": image}
                )
                continue
            changed = image.pk is not None
            try:
                prepare_image(image, parsed, outcome.parsed.language, check_only=batch.dry_run)
            except ParseError as error:
                outcome.warnings.append(error.reason)
                continue
            if batch.dry_run:
                continue
            batch.store_picture(image)
            if parsed.identifier:
                batch.images[parsed.identifier] = image
            if changed:
                message = gettext("Stored the picture's file from the wire item {identifier} ({file}).").format(
                    identifier=outcome.parsed.identifier, file=file or "—"
                )
                batch.record(Change(image, message, CHANGE, known={}))
        stored.append(image)
    return stored


WIRE_FIELDS = [
    "file_name",
    "format",
    "version",
    "fingerprint",
    "language",
    "headline",
    "teaser",
    "body",
    "byline",
    "agency",
    "source",
    "urgency",
    "topics",
    "pubstatus",
    "versioned_at",
    "updated_at",
    "payload",
    "search_text",
]


def fill_wire(wire, item, digest, file, now, batch, written=None):
    """
    The wire item's fields from the item; `written` is the outcome that wrote the item as an article version, whose
    sanitized text and search document are the item's (and are not worked out twice).
    """
    if written is not None:
        article, language = written.article, written.language
        text = {
            "headline": item.headline.strip()[:500],
            "teaser": item.teaser.strip(),
            "body": article.text("body", language),
        }
        search_text = article.text("search_document", language)
    else:
        text = wire_text(item)
        search_text = " ".join(normalize(sanitizer.ANY_TAG.sub(" ", part)) for part in text.values())
    agency = item.agencies[0] if item.agencies else ""
    wire.file_name = str(file)[:500]
    wire.format = item.format
    wire.version = str(item.version or "")[:100]
    wire.fingerprint = digest
    wire.language = (item.language or "")[:12]
    wire.headline = text["headline"]
    wire.teaser = text["teaser"]
    wire.body = text["body"]
    wire.byline = item.byline[:300]
    wire.agency = agency[:200]
    wire.source = batch.sources.find(agency) if agency else (wire.feed.source if wire.feed else None)
    wire.urgency = item.urgency
    wire.topics = item.topics
    wire.pubstatus = item.pubstatus
    wire.versioned_at = item.updated_at
    wire.updated_at = now
    wire.payload = batch.payload(item)
    wire.search_text = search_text


def use_wire_item(wire, language, *, user, check_permission=True):
    """
    An editor uses an agency item as the `language` version of an article: in that language, the item becomes the
    version's text (as an import would write it); in another, the version is started empty and translated from the
    item, which it records as its source. Either way the wire item is marked used and linked to the article.
    Returns the article.
    """
    if language not in languages.CODES:
        raise ValidationError(
            gettext("Articles are published in {languages}.").format(languages=", ".join(languages.CODES))
        )
    with transaction.atomic():
        wire = WireItem.objects.select_for_update().get(pk=wire.pk)
        item = from_payload(wire.payload)
        try:
            check_item(item, language)  # the wire keeps canceled items too: no version is made of one
        except ParseError as error:
            raise ValidationError(error.reason) from error
        if wire.language == language:
            outcome = write_item(
                item,
                user=user,
                check_permission=check_permission,
                language=language,
                file=wire.file_name,
                article=wire.article,
            )
            if outcome.status == CONFLICT:
                raise ValidationError(outcome.reason)
            article = outcome.article
        else:
            article = start_translation(wire, item, language, user=user, check_permission=check_permission)
        wire.article, wire.state = article, WireItem.State.USED
        wire.save(update_fields=["article", "state"])
    return article


def start_translation(wire, item, language, *, user, check_permission=True):
    """The `language` version of the wire item's article (a new one if it has none) starts as a translation of it."""
    article = wire.article
    if article is not None:
        article = Article.objects.select_for_update().get(pk=article.pk)
        if check_permission and not article.may_be_changed_by(user):
            raise PermissionDenied(
                gettext("The article is live or scheduled; only an editor who may publish can change it.")
            )
    batch = Batch([item])
    created = article is None
    if created:
        article = Article(byline=item.byline, dateline=item.dateline, embargoed_until=item.embargoed_until)
        article.short_code = (
            item.short_code if item.short_code and not batch.short_code_taken(item.short_code, article) else ""
        )
        article.save()
        # The pictures and agencies come along; captions and alt texts wait for the translation.
        bare = dataclasses.replace(
            item,
            topics=[],
            categories=item.categories,
            images=[dataclasses.replace(image, caption="", alt_text="") for image in item.images],
        )
        pictures, _warnings, known = write_relations(article, bare, language, batch, created=True)
    else:
        pictures, known = [], None
    TranslationSource.from_agency_item(article, language, wire.language, wire.identifier, wire.text(), user=user)
    message = gettext("Started the {language} version as a translation of agency item {item} ({source}).").format(
        language=languages.name(language), item=wire.identifier, source=wire.language or "?"
    )
    batch.record(Change(article, message, ADDITION if created else CHANGE, also=pictures, known=known))
    batch.write_pending()
    batch.flush(user)
    return article


# --- files ----------------------------------------------------------------------------------------------------------


def import_data(name, data, *, format="auto", language=None, resolve=None, sources=None, file=None, **options):
    """
    Parse one file's bytes and write its items; returns the Outcomes (a single failure if unreadable). `file` is
    how reports and the history name it (default: `name`, which the parsers see).
    """
    file = name if file is None else file
    try:
        parsed = parse_each(data, name, format, language if language in languages.CODES else None)
    except ParseError as error:
        return [Outcome(FAILED, file=file, reason=error.reason)]
    return import_parsed(parsed, file=file, language=language, sources=sources, resolve=resolve, **options)


def import_parsed(parsed, **options):
    """
    Write one file's parsed items in one transaction (each item in its own savepoint: a failing item still leaves
    nothing behind, and a feed file of fifty items costs one disk flush instead of fifty). When another process
    wrote the same items at that moment, the whole file fails and says so: importing it again updates them.
    """
    try:
        with transaction.atomic():
            return import_items(parsed, **options)
    except IntegrityError:
        reason = gettext("another import wrote these items at the same moment; import the file again")
        file = options.get("file", "")
        return [
            Outcome(FAILED, file=file, item=getattr(entry, "identifier", "") or entry.item, reason=reason, retry=True)
            for entry in parsed
        ]


def import_files(
    paths,
    *,
    user,
    check_permission=True,
    format="auto",
    language=None,
    choices=None,
    publish=False,
    dry_run=False,
    progress=None,
    label=str,
):
    """
    Parse and write each file (zip files member by member) as `user`; one failure never stops the batch.

    Publishing without the permission is refused here, before any file is read. `label(name)` is how reports and
    the history name an input (the Import page leaves out its staging folder).
    """
    check_publish_permission(user, publish, check_permission)
    summary = Summary()
    sources = SourceIndex()
    options = {
        "user": user,
        "check_permission": check_permission,
        "format": format,
        "language": language,
        "choices": choices,
        "publish": publish,
        "dry_run": dry_run,
        "sources": sources,
    }
    for entry in files.read_inputs(paths, progress=progress):
        if isinstance(entry, ParseError):
            summary.outcomes.append(Outcome(FAILED, file=label(entry.item), reason=entry.reason))
        else:
            summary.outcomes.extend(
                import_data(entry.name, entry.data, resolve=entry.resolve, file=label(entry.name), **options)
            )
        if dry_run:
            sources.reload()
    return summary
