"""
How an article's language version is laid out on its page: the body with pictures where the editor put them, and
the schema.org data search engines read. Pure functions of an article whose relations the view prefetched.
"""

from django.conf import settings

from articles import sanitizer
from articles.models import Placement


def body_sections(article, language):
    """
    The body in reading order as (`"html"`, block) and (`"image"`, caption) pairs: each inline picture stands after
    as many body blocks as its caption's `paragraph` says; pictures past the end close the body.
    """
    blocks = sanitizer.split_blocks(article.text("body", language))
    inline = sorted(
        (caption for caption in article.shown_captions if caption.placement == Placement.INLINE),
        key=lambda caption: (caption.paragraph, caption.position, caption.pk),
    )
    sections = []
    for index in range(len(blocks) + 1):
        sections.extend(("image", caption) for caption in inline if min(caption.paragraph, len(blocks)) == index)
        if index < len(blocks):
            sections.append(("html", blocks[index]))
    return sections


def structured_data(article, language, absolute_url):
    """schema.org `NewsArticle` data for JSON-LD; `absolute_url` turns a path into a full address."""
    images = []
    for caption in article.shown_captions:
        picture = caption.image.picture
        if picture and picture.get("widest"):
            images.append(absolute_url(picture["widest"].url))
    published_at = article.published_at_in(language)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.text("headline", language),
        "description": article.text("teaser", language),
        "inLanguage": language,
        "mainEntityOfPage": absolute_url(article.get_absolute_url(language)),
        "datePublished": published_at.isoformat() if published_at else None,
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if images:
        data["image"] = images
    sources = [source.display_name(language) for source in article.shown_sources]
    if sources:
        data["sourceOrganization"] = [{"@type": "Organization", "name": name} for name in sources]
    return data
