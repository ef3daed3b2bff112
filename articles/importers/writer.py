"""
The one place parsed items become articles: each item is written inside its own transaction and upserted on its
source identifier, so a failing item leaves nothing behind and a re-import updates instead of duplicating.
"""
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from ..models import LANGUAGE_CODES, Article, ArticleSource, Caption, Category, Image, Placement, Source, localized
from ..search import normalize
from .base import ParseError

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

    def add(self, source):
        spellings = [source.code, source.name_ar, source.name_de, *source.aliases]
        for spelling in spellings:
            if spelling:
                self.by_alias.setdefault(self.key(spelling), source)

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


def fingerprint(item):
    """A digest of everything an item says, so the same input is recognised as unchanged."""
    data = dataclasses.asdict(item)
    for image in data["images"]:
        content = image.pop("content")
        image["content_sha256"] = hashlib.sha256(content).hexdigest() if content else ""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def import_items(parsed, *, file="", publish=False, dry_run=False, language=None, sources=None):
    """Write each parsed item (or report each ParseError) of one file; returns a list of Outcomes."""
    sources = sources or SourceIndex()
    outcomes = []
    for number, entry in enumerate(parsed, start=1):
        label = str(number) if len(parsed) > 1 else ""
        if isinstance(entry, ParseError):
            outcomes.append(Outcome(FAILED, file=file, item=entry.item or label, reason=entry.reason))
            continue
        try:
            outcome = write_item(entry, publish=publish, dry_run=dry_run, language=language, sources=sources)
        except ParseError as error:
            outcome = Outcome(FAILED, reason=error.reason)
            sources.reload()
        except ValidationError as error:
            outcome = Outcome(FAILED, reason="; ".join(error.messages))
            sources.reload()
        if dry_run:
            sources.reload()
        outcome.file = file
        outcome.item = entry.identifier or label
        outcomes.append(outcome)
    return outcomes


def write_item(item, *, publish=False, dry_run=False, language=None, sources=None):
    """Create or update the article for one parsed item inside its own transaction."""
    language = language or item.language
    if language not in LANGUAGE_CODES:
        raise ParseError(
            f"the item is in {item.language!r}; the newsroom publishes {', '.join(LANGUAGE_CODES)} "
            "(pass --language to import it as one of them)"
        )
    if not item.headline.strip():
        raise ParseError("the item has no headline")
    if item.pubstatus == "canceled":
        raise ParseError("the agency canceled this item; it is not imported")
    sources = sources or SourceIndex()
    digest = fingerprint(item)
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(source_identifier=item.identifier).first()
        if article is not None and article.import_fingerprint == digest:
            return Outcome(UNCHANGED, article=article, language=language, warnings=item.warnings)
        status = UPDATED if article is not None else CREATED
        article = article or Article(source_identifier=item.identifier)
        apply_item(article, item, language, sources)
        if publish:
            article.publish(language, when=item.published_at)
        article.import_fingerprint = digest
        article.save()
        write_relations(article, item, language, sources)
        if dry_run:
            transaction.set_rollback(True)
    return Outcome(status, article=article, language=language, warnings=item.warnings)


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
    article.source_version = item.version
    if item.internal:
        article.agency_metadata = {**article.agency_metadata, language: item.internal}


def write_relations(article, item, language, sources):
    """Agencies in order, mapped categories, and images with their captions in this language."""
    wanted = []
    for spelling in item.agencies:
        source = sources.resolve(spelling)
        if source not in wanted:
            wanted.append(source)
    if wanted:
        ArticleSource.objects.filter(article=article).delete()
        ArticleSource.objects.bulk_create(
            ArticleSource(article=article, source=source, position=position) for position, source in enumerate(wanted)
        )
    if item.categories:
        categories = match_categories(item.categories)
        if categories:
            article.categories.add(*categories)

    captions = list(article.captions.select_related("image"))
    for position, parsed in enumerate(item.images):
        caption = captions[position] if position < len(captions) else None
        image = caption.image if caption is not None else find_or_create_image(parsed)
        update_image(image, parsed, language)
        caption = caption or Caption(article=article, image=image)
        caption.position = position
        caption.placement = Placement.LEAD if parsed.placement == "lead" else Placement.INLINE
        caption.paragraph = parsed.paragraph
        setattr(caption, localized("text", language), parsed.caption)
        caption.save()


def match_categories(names):
    wanted = {normalize(name) for name in names}
    matches = []
    for category in Category.objects.all():
        spellings = {normalize(s) for s in (category.name_ar, category.name_de, *category.aliases) if s}
        if spellings & wanted:
            matches.append(category)
    return matches


def find_or_create_image(parsed):
    if parsed.identifier:
        image = Image.objects.filter(source_identifier=parsed.identifier).first()
        if image is not None:
            return image
    return Image(source_identifier=parsed.identifier)


def update_image(image, parsed, language):
    image.archive_title = parsed.archive_title or image.archive_title
    image.credit = parsed.credit or image.credit
    if parsed.alt_text:
        setattr(image, localized("alt_text", language), parsed.alt_text)
    if parsed.remote_url:
        image.remote_url = parsed.remote_url
    if parsed.content and not image.file:
        from ..renditions import validate_image_file

        upload = ContentFile(parsed.content, name=parsed.filename or "image.jpg")
        try:
            validate_image_file(upload)
        except ValidationError as error:
            raise ParseError(f"image {parsed.filename or parsed.identifier}: {'; '.join(error.messages)}") from None
        image.file = upload
    image.save()


def import_files(paths, *, format="auto", language=None, publish=False, dry_run=False, progress=None):
    """Parse and write each file; one file's failure never stops the batch. Returns a Summary."""
    from . import parse_each

    summary = Summary()
    sources = SourceIndex()
    for path in paths:
        name = str(path)
        try:
            if path.stat().st_size > settings.IMPORT_MAX_FILE_BYTES:
                raise ParseError(
                    f"the file is {path.stat().st_size:,} bytes; the limit is {settings.IMPORT_MAX_FILE_BYTES:,}"
                )
            parsed = parse_each(path.read_bytes(), name, format, language)
        except (OSError, ParseError) as error:
            reason = error.reason if isinstance(error, ParseError) else error.strerror or str(error)
            summary.outcomes.append(Outcome(FAILED, file=name, reason=reason))
        else:
            summary.outcomes.extend(
                import_items(parsed, file=name, publish=publish, dry_run=dry_run, language=language, sources=sources)
            )
        if progress:
            progress(path)
    return summary
