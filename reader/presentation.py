"""
How an article's language version is laid out on its page: the body with pictures where the editor put them, and
the schema.org data search engines read. Pure functions of an article whose relations the view prefetched.
"""

from django.conf import settings

from articles import sanitizer
from articles.models import Placement


def body_sections(article, language):
    """
    The body in reading order as (`"html"`, block) and (`"image"`, caption) pairs. A picture the editor placed in
    the text (`<figure data-picture="KEY">`) stands there; any other inline picture stands after as many text blocks
    as its caption's `paragraph` says (agency copy), and pictures past the end close the body. A marker naming no
    picture of this article shows nothing.
    """
    captions = {str(caption.key): caption for caption in article.shown_captions}
    blocks = []
    placed = set()
    for block in sanitizer.split_blocks(article.text("body", language)):
        key = sanitizer.picture_key(block)
        if key is None:
            blocks.append(("html", block))
        elif key in captions and key not in placed and captions[key].placement == Placement.INLINE:
            placed.add(key)
            blocks.append(("image", captions[key]))
    unplaced = sorted(
        (caption for key, caption in captions.items() if caption.placement == Placement.INLINE and key not in placed),
        key=lambda caption: (caption.paragraph, caption.position, caption.pk),
    )
    text_blocks = sum(1 for kind, _item in blocks if kind == "html")
    sections, seen_text = [], 0
    for kind, item in [*blocks, ("end", None)]:
        if kind != "image":
            sections.extend(
                ("image", caption) for caption in unplaced if min(caption.paragraph, text_blocks) == seen_text
            )
        if kind == "end":
            break
        sections.append((kind, item))
        seen_text += kind == "html"
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
