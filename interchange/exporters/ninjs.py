"""
Articles as ninjs 2.x (IPTC's news in JSON): one object per language version.

Used by `export_articles` and the read-only API; importers/ninjs.py reads the same shape back.
"""

from articles.models import Placement, localized
from articles.sanitizer import without_picture_markers

NINJS_STANDARD = {
    "name": "ninjs",
    "version": "2.2",
    "schema": "https://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
}


TOPIC_URI = "urn:newsroom:topic:"


def article_uri(article, language):
    """One uri per language version; importers match it back by uri, or by the short code in altids."""
    return f"urn:newsroom:article:{article.short_code}:{language}"


def with_relations(queryset):
    """Everything `to_ninjs` reads, in the articles' own query (`with_relation_rows`): N articles cost one query."""
    return queryset.with_relation_rows()


def to_ninjs(article, language):
    """One language version of `article` as a ninjs 2.2 object; internal agency metadata is never included."""
    published_at = article.published_at_in(language)
    item = {
        "standard": NINJS_STANDARD,
        "uri": article_uri(article, language),
        "type": "text",
        "language": language,
        "version": str(int(article.updated_at.timestamp())) if article.updated_at else "1",
        "versioncreated": isoformat(article.updated_at),
        "firstcreated": isoformat(published_at),
        "embargoed": isoformat(article.embargoed_until),
        "pubstatus": "usable" if article.is_published(language) else "withheld",
        "headlines": [{"role": "main", "value": article.text("headline", language)}],
        "altids": [{"role": "shortcode", "value": article.short_code}],
        "by": article.byline,
        "located": article.dateline,
    }
    descriptions = []
    if teaser := article.text("teaser", language):
        descriptions.append({"role": "summary", "contenttype": "text/plain", "value": teaser})
    if initials := article.text("initials", language):
        # ninjs has no field for the editors' initials printed under an article; a description role carries them.
        descriptions.append({"role": "initials", "contenttype": "text/plain", "value": initials})
    item["descriptions"] = descriptions
    # Where the editor placed pictures is the page's business; other systems get the text and the associations.
    if body := without_picture_markers(article.text("body", language)):
        item["bodies"] = [{"role": "main", "contenttype": "text/html", "value": body}]
    item["infosources"] = [
        {"name": source.display_name(language), "uri": f"urn:newsroom:source:{source.code}"}
        for source in article.ordered_sources()
    ]
    item["subjects"] = [
        {"name": category.display_name(language) or str(category), "uri": f"urn:newsroom:category:{category.pk}"}
        for category in article.shown_categories
    ] + [
        # ninjs 2.x has no keywords; topics are subjects (3.x would list them as keywords as well).
        {"name": topic.display_name(language), "uri": f"{TOPIC_URI}{topic.pk}"}
        for topic in article.shown_topics
        if topic.display_name(language)
    ]
    item["associations"] = [picture(caption, language) for caption in article.shown_captions]
    return {key: value for key, value in item.items() if value not in ("", [], None)}


def picture(caption, language):
    """A caption's picture as a ninjs association; its name says where it stands (`lead`, `inline-after-4`)."""
    image = caption.image
    name = "lead" if caption.placement == Placement.LEAD else f"inline-after-{caption.paragraph}"
    descriptions = []
    if text := caption.text_for(language):
        descriptions.append({"role": "caption", "contenttype": "text/plain", "value": text})
    if alt := getattr(image, localized("alt_text", language)) or "":
        descriptions.append({"role": "alt", "contenttype": "text/plain", "value": alt})
    rendition = {"name": "original"}
    if image.file:
        rendition.update(href=image.file.url, width=image.width, height=image.height)
    elif image.remote_url:
        rendition["href"] = image.remote_url
    association = {
        "name": name,
        "uri": image.source_identifier or f"urn:newsroom:image:{image.pk}",
        "type": "picture",
        "headlines": [{"value": image.archive_title}] if image.archive_title else [],
        "descriptions": descriptions,
        "copyrightholder": image.credit,
        "renditions": [rendition] if "href" in rendition else [],
    }
    return {key: value for key, value in association.items() if value not in ("", [], None)}


def isoformat(value):
    return value.isoformat().replace("+00:00", "Z") if value else None
