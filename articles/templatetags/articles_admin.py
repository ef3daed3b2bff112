"""Template filters of the editors' admin: times as the desk reads them and each language version's state."""

from django import template

from articles import languages

register = template.Library()


@register.filter
def newsroom_time(value):
    """`12. Mai 2026, 14:00 CEST`: the newsroom's time zone, named, in the interface language."""
    return languages.newsroom_time(value)


@register.filter
def version_state(article, language):
    """The state of one language version as the desk reads it (`Article.version_state`)."""
    return article.version_state(language)


@register.filter
def isolated(value):
    """
    Text set apart from the line around it (U+2068 FIRST STRONG ISOLATE ... U+2069), for places markup cannot reach
    such as <title>: a German headline keeps its order and its punctuation in an Arabic page title.
    """
    return f"\u2068{value}\u2069"
