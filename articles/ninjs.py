"""
Articles as ninjs 2.x (IPTC's news in JSON): one object per language version.

Used by `export_articles` and the read-only API; importers/ninjs.py reads the same shape back.
"""
from django.db.models import Prefetch

from .models import ArticleSource, Caption, Placement

NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json"


def article_uri(article, language):
    return article.source_identifier and f"{article.source_identifier}" or f"urn:newsroom:article:{article.short_code}"


def with_relations(queryset):
    """Prefetch everything `to_ninjs` reads, so exporting N articles costs a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch("source_links", queryset=ArticleSource.objects.select_related("source")),
        Prefetch("captions", queryset=Caption.objects.select_related("image")),
        "categories",
    )


def to_ninjs(article, language):
    """One language version of `article` as a ninjs 2.x object."""
    uri = article_uri(article, language)
    published_at = article.published_at_in(language)
    item = {
        "$schema": NINJS_SCHEMA,
        "uri": f"{uri}#{language}",
        "type": "text",
        "language": language,
        "version": str(int(article.updated_at.timestamp())) if article.updated_at else "1",
        "versioncreated": isoformat(article.updated_at),
        "pubstatus": "usable" if article.is_published(language) else "withheld",
        "headlines": [{"role": "main", "value": article.text("headline", language)}],
        "altids": [{"role": "shortcode", "value": article.short_code}],
    }
    if published_at:
        item["firstcreated"] = isoformat(published_at)
    if article.embargoed_until:
        item["embargoed"] = isoformat(article.embargoed_until)
    if teaser := article.text("teaser", language):
        item["descriptions"] = [{"role": "summary", "contenttype": "text/plain", "value": teaser}]
    if body := article.text("body", language):
        item["bodies"] = [{"role": "main", "contenttype": "text/html", "value": body}]
    if article.byline:
        item["by"] = article.byline
    if article.dateline:
        item["located"] = article.dateline
    sources = article.ordered_sources()
    if sources:
        item["infosources"] = [{"name": source.display_name(language), "uri": f"urn:newsroom:source:{source.code}"} for source in sources]
    if initials := article.text("initials", language):
        item["usageterms"] = initials  # no ninjs field for editors' initials; kept where a reader of ours finds it
    categories = list(article.categories.all())
    if categories:
        item["subjects"] = [
            {"name": category.display_name(language) or category.name, "uri": f"urn:newsroom:category:{category.pk}"}
            for category in categories
        ]
    associations = {}
    for number, caption in enumerate(article.captions.all(), start=1):
        image = caption.image
        picture = {
            "uri": image.source_identifier or f"urn:newsroom:image:{image.pk}",
            "type": "picture",
            "headlines": [{"value": image.archive_title}] if image.archive_title else [],
            "descriptions": [
                {"role": "caption", "contenttype": "text/plain", "value": caption.text_for(language)}
            ] if caption.text_for(language) else [],
            "copyrightholder": image.credit,
        }
        if alt := image.alt_for(language):
            picture["descriptions"].append({"role": "alt", "contenttype": "text/plain", "value": alt})
        renditions = {}
        if image.file:
            renditions["original"] = {"href": image.file.url, "width": image.width, "height": image.height}
        elif image.remote_url:
            renditions["original"] = {"href": image.remote_url}
        if renditions:
            picture["renditions"] = renditions
        role = "featureimage" if caption.placement == Placement.LEAD else f"image{number}"
        associations[role] = {key: value for key, value in picture.items() if value not in ("", [], None)}
    if associations:
        item["associations"] = associations
    return item


def isoformat(value):
    return value.isoformat().replace("+00:00", "Z") if value else None
