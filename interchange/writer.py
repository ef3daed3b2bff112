"""
The one place parsed items become articles: each item is written inside its own transaction and upserted on its
source identifier, so a failing item leaves nothing behind and a re-import updates instead of duplicating.

Every import is made by a user, and the newsroom's rules apply to it as to the admin: publishing needs the publish
permission, and so does changing an article (or a picture) readers see or are about to see; a newer version of such
an article from a user who may not change it waits as a PendingUpdate. Each written item keeps a revision and an admin
log entry naming the user and the file. The import command without a user acts as its own system account, which the
rules do not bind (`check_permission=False`): whoever runs it has the shell.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

import reversion
from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from articles import languages
from articles.audit import record
from articles.models import (
    PUBLISH_PERMISSION,
    Article,
    ArticleSource,
    Caption,
    Category,
    Image,
    Placement,
    Source,
    localized,
)
from articles.renditions import validate_image_file
from articles.search import normalize

from .importers import ParsedImage, ParsedItem, ParseError, files, parse_each
from .models import PendingUpdate

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
CONFLICT = "conflict"
FAILED = "failed"


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

    def describe(self):
        label = f"{self.file} [{self.item}]" if self.item and self.item != self.file else self.file
        if self.status == FAILED:
            return f"{label}: failed: {self.reason}"
        headline = self.article.text("headline", self.language) if self.article else ""
        code = self.article.short_code if self.article else ""
        text = f"{label}: {self.status} {code} ({self.language}) {headline}".rstrip()
        if self.reason:
            text += f" ({self.reason})"
        return text


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status):
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failed(self):
        return [outcome for outcome in self.outcomes if outcome.status == FAILED]

    def __str__(self):
        text = (
            f"imported {self.count(CREATED)}, updated {self.count(UPDATED)}, "
            f"unchanged {self.count(UNCHANGED)}, failed {self.count(FAILED)}"
        )
        if conflicts := self.count(CONFLICT):
            text += f", conflicts {conflicts}"
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

    def resolve(self, spelling):
        source = self.by_alias.get(self.key(spelling))
        if source is None:
            code = normalize(spelling).replace(" ", "-")[:40] or "unknown"
            source, _created = Source.objects.get_or_create(
                code=code, defaults={"name": spelling, "aliases": [spelling], "needs_naming": True}
            )
            self.add(source)
        return source


def to_payload(item):
    """The item as JSON-ready data (picture bytes replaced by their digest), for fingerprints and pending updates."""
    data = dataclasses.asdict(item)
    for image in data["images"]:
        content = image.pop("content")
        image["content_sha256"] = hashlib.sha256(content).hexdigest() if content else ""
    return json.loads(json.dumps(data, default=str))


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


def fingerprint(item):
    """A digest of everything an item says, so the same input is recognised as unchanged."""
    return hashlib.sha256(json.dumps(to_payload(item), sort_keys=True).encode()).hexdigest()


def version_key(version, updated_at):
    """Something to compare agency versions by: the version number where it is one, else the version time."""
    if version and str(version).isdigit():
        return (1, int(version))
    if updated_at:
        return (0, updated_at.timestamp())
    return None


def is_not_newer(state, item):
    updated_at = parse_datetime(state["updated_at"]) if state.get("updated_at") else None
    stored = version_key(state.get("version", ""), updated_at)
    incoming = version_key(item.version, item.updated_at)
    return stored is not None and incoming is not None and stored[0] == incoming[0] and incoming <= stored


def find_article(item):
    """The article an item belongs to: by its source identifier, else by its short code (a DW short link)."""
    articles = Article.objects.select_for_update()
    article = articles.filter(source_identifier=item.identifier).first()
    if article is None and item.short_code:
        article = articles.filter(short_code=item.short_code).first()
    return article


def check_publish_permission(user, publish, check_permission=True):
    """Publishing on import needs the publish permission; without it the whole import is refused before it starts."""
    if publish and check_permission and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(
            gettext(
                "You may not publish articles, so nothing was imported. Import without “publish”; "
                "an editor who may publish then publishes the articles."
            )
        )


def import_items(
    parsed,
    *,
    user,
    check_permission=True,
    file="",
    publish=False,
    dry_run=False,
    language=None,
    sources=None,
    resolve=None,
):
    """Write each parsed item (or report each ParseError) of one file as `user`; returns a list of Outcomes."""
    sources = sources or SourceIndex()
    outcomes = []
    for number, entry in enumerate(parsed, start=1):
        label = str(number) if len(parsed) > 1 else ""
        if isinstance(entry, ParseError):
            outcomes.append(Outcome(FAILED, file=file, item=entry.item or label, reason=entry.reason))
            continue
        try:
            outcome = write_item(
                entry,
                user=user,
                check_permission=check_permission,
                publish=publish,
                dry_run=dry_run,
                language=language,
                sources=sources,
                resolve=resolve,
                file=file,
            )
        except (ParseError, ValidationError) as error:
            reason = error.reason if isinstance(error, ParseError) else "; ".join(error.messages)
            outcome = Outcome(FAILED, reason=reason)
            sources.reload()
        if dry_run:
            sources.reload()
        outcome.file = file
        outcome.item = entry.identifier or label
        outcomes.append(outcome)
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
):
    """
    Create or update the article for one parsed item inside its own transaction, kept as a revision and logged in
    the admin's history, both naming `user` and the file.

    A re-import of the same item, or of an older or equal version, changes nothing. A newer version is kept as a
    PendingUpdate instead (a conflict) when an editor has changed the article since its last import, or when the
    article is live or scheduled and `user` may not change it. `force` applies a pending version (an editor's
    decision) to its `article`: it overrides the first reason, never the second.
    """
    language = language or item.language
    if language not in languages.CODES:
        raise ParseError(
            f"the item is in {item.language!r}; the newsroom publishes {', '.join(languages.CODES)} "
            "(pass --language to import it as one of them)"
        )
    if not item.headline.strip():
        raise ParseError("the item has no headline")
    if item.pubstatus == "canceled":
        raise ParseError("the agency canceled this item; it is not imported")
    check_publish_permission(user, publish, check_permission)

    def may_change(obj):
        return not check_permission or obj.may_be_changed_by(user)

    sources = sources or SourceIndex()
    digest = fingerprint(item)
    with transaction.atomic():
        with reversion.create_revision():
            article = find_article(item) if article is None else Article.objects.select_for_update().get(pk=article.pk)
            state = article.import_state.get(language, {}) if article is not None else {}
            if state and not force:
                if state.get("fingerprint") == digest:
                    return Outcome(UNCHANGED, article=article, language=language, warnings=item.warnings)
                if is_not_newer(state, item):
                    stored = state.get("version") or state.get("updated_at")
                    reason = f"version {item.version or item.updated_at} is not newer than {stored}"
                    return Outcome(UNCHANGED, article=article, language=language, reason=reason, warnings=item.warnings)
            if article is not None and not may_change(article):
                if force:
                    raise PermissionDenied(
                        gettext("The article is live or scheduled; only an editor who may publish can change it.")
                    )
                keep_pending_update(article, item, language, digest, file, dry_run)
                reason = gettext("the article is live or scheduled; the new version awaits an editor who may publish")
                return Outcome(CONFLICT, article=article, language=language, reason=reason, warnings=item.warnings)
            if (
                state
                and not force
                and state.get("content_digest")
                and article.content_digest(language) != state["content_digest"]
            ):
                keep_pending_update(article, item, language, digest, file, dry_run)
                reason = "an editor changed the article since its last import; the new version awaits review"
                return Outcome(CONFLICT, article=article, language=language, reason=reason, warnings=item.warnings)
            status = UPDATED if article is not None else CREATED
            article = article or Article(source_identifier=item.identifier)
            apply_item(article, item, language, sources)
            if publish:
                article.publish(language, when=item.published_at or item.updated_at)
            article.refresh_derived_fields()  # the digest is of the text as stored: sanitized
            article.import_state = {
                **article.import_state,
                language: {
                    "identifier": item.identifier,
                    "fingerprint": digest,
                    "version": str(item.version or ""),
                    "updated_at": item.updated_at.isoformat() if item.updated_at else "",
                    "content_digest": article.content_digest(language, [image.caption for image in item.images]),
                },
            }
            article.save()
            warnings = [
                *item.warnings,
                *write_relations(
                    article, item, language, sources, resolve, created=status == CREATED, may_change=may_change
                ),
            ]
            message = history_message(item, language, file, status, published=publish, applied=force)
            record(article, user, message, ADDITION if status == CREATED else CHANGE)
        # Only once the revision block has closed: reversion saves the revision as it leaves the block, which it
        # cannot do in a transaction already marked for rollback; the revision and log entry then go with the rest.
        if dry_run:
            transaction.set_rollback(True)
    return Outcome(status, article=article, language=language, warnings=warnings)


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


def keep_pending_update(article, item, language, digest, file, dry_run):
    if dry_run:
        return
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
    PermissionDenied (and keeps it) when the article is live or scheduled and `user` may not change it.
    """
    item = from_payload(pending.payload)
    outcome = write_item(
        item,
        user=user,
        check_permission=check_permission,
        language=pending.language,
        file=pending.file_name,
        force=True,
        article=pending.article,
    )
    pending.delete()
    return outcome


def apply_item(article, item, language, sources):
    values = {
        "headline": item.headline.strip(),
        "teaser": item.teaser.strip(),
        "body": item.body_html,
        "initials": item.initials,
    }
    for name, value in values.items():
        setattr(article, localized(name, language), value)
    if item.published_at and not article.published_at_in(language):
        setattr(article, localized("published_at", language), item.published_at)
    if item.short_code and article.short_code != item.short_code:
        taken = Article.objects.filter(short_code=item.short_code).exclude(pk=article.pk).exists()
        if taken:
            raise ParseError(f"short code {item.short_code} already belongs to another article")
        article.short_code = item.short_code
    article.byline = item.byline or article.byline
    article.dateline = item.dateline or article.dateline
    article.embargoed_until = item.embargoed_until
    article.source_format = item.format
    article.source_version = str(item.version or "")
    if item.internal:
        article.agency_metadata = {**article.agency_metadata, language: item.internal}


def write_relations(article, item, language, sources, resolve=None, created=False, may_change=None):
    """
    Agencies in order, mapped categories, and images with their captions in this language; returns warnings.

    A picture that `may_change` refuses (it is shown in a live or scheduled article) is used as it is: the item's
    credit, alt text and file do not change what readers of that other article see.
    """
    warnings = []
    wanted = []
    for spelling in item.agencies:
        source = sources.resolve(spelling)
        if source not in wanted:
            wanted.append(source)
    if wanted:
        if not created:
            ArticleSource.objects.filter(article=article).delete()
        ArticleSource.objects.bulk_create(
            ArticleSource(article=article, source=source, position=position) for position, source in enumerate(wanted)
        )
    if item.categories:
        categories = match_categories(item.categories, sources)
        if categories:
            article.categories.add(*categories)

    captions = [] if created else list(article.captions.select_related("image"))
    for position, parsed in enumerate(item.images):
        caption = captions[position] if position < len(captions) else None
        image = caption.image if caption is not None else find_or_create_image(parsed)
        if may_change is None or may_change(image):
            update_image(image, parsed, language, resolve)
        else:
            warnings.append(
                gettext("picture “%(image)s” is shown in a live or scheduled article; it was used as it is")
                % {"image": image}
            )
        caption = caption or Caption(article=article, image=image)
        caption.position = position
        caption.placement = Placement.LEAD if parsed.placement == "lead" else Placement.INLINE
        caption.paragraph = parsed.paragraph
        setattr(caption, localized("text", language), parsed.caption)
        caption.save()
    return warnings


def match_categories(names, sources):
    """Categories whose name (in either language) or alias is among `names`; unknown subjects map to nothing."""
    wanted = {normalize(name) for name in names}
    return [category for category, spellings in sources.categories() if spellings & wanted]


def find_or_create_image(parsed):
    if parsed.identifier:
        image = Image.objects.filter(source_identifier=parsed.identifier).first()
        if image is not None:
            return image
    return Image(source_identifier=parsed.identifier)


def update_image(image, parsed, language, resolve=None):
    image.archive_title = parsed.archive_title or image.archive_title
    image.credit = parsed.credit or image.credit
    if parsed.alt_text:
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
            raise ParseError(f"image {parsed.filename or parsed.identifier}: {'; '.join(error.messages)}") from None
        image.file = upload
    image.save()


def import_data(name, data, *, format="auto", language=None, resolve=None, sources=None, file=None, **options):
    """
    Parse one file's bytes and write its items; returns the Outcomes (a single failure if unreadable). `file` is
    how reports and the history name it (default: `name`, which the parsers see).
    """
    file = name if file is None else file
    try:
        parsed = parse_each(data, name, format, language)
    except ParseError as error:
        return [Outcome(FAILED, file=file, reason=error.reason)]
    # One commit per file, each item in its own savepoint: a failing item still leaves nothing behind, and a
    # feed file of fifty items costs one disk flush instead of fifty.
    with transaction.atomic():
        return import_items(parsed, file=file, language=language, sources=sources, resolve=resolve, **options)


def import_files(
    paths,
    *,
    user,
    check_permission=True,
    format="auto",
    language=None,
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
    return summary
