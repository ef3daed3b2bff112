"""Cleaning untrusted HTML (agency and archive bodies) down to what an article body may contain."""
import nh3

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "blockquote", "ul", "ol", "li", "strong", "em", "b", "i", "u", "sub", "sup",
    "br", "a", "bdi", "span", "abbr", "cite", "q", "table", "thead", "tbody", "tr", "th", "td", "figure",
    "figcaption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "q": {"cite"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "*": {"lang", "dir"},
}


def clean_html(html):
    """Return `html` with scripts, styles, event handlers and unknown tags removed; links get rel=noopener."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        clean_content_tags={"script", "style"},
    ).strip()
