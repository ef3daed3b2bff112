"""
The newsroom's content: articles in each publishing language, the agencies they cite, their categories and topics,
the pictures they show with their renditions, and what their translations are made from.

Translated fields (headline, teaser, body, slug, status, ...) are registered in translation.py; each language
version of an article therefore carries its own text *and* its own publication state and time. How a version moves
between states is the workflow app's business; what a reader's page looks like is the reader app's.

One module per part: `common` (states, placements, the publish permission), `taxonomy` (sources, categories,
topics), `pictures` (images, renditions, captions), `querysets` (sets of articles), `article`, `translation_sources`.
"""

from .article import (
    Article,
    VersionState,
    add_search_vectors,
)
from .common import (
    PREVIEW_SALT,
    PUBLISH_PERMISSION,
    SHORT_CODE_ALPHABET,
    SHORT_CODE_LENGTH,
    Placement,
    Status,
    localized,
    names_in_all_languages,
    new,
    text_digest,
)
from .pictures import (
    CAPTION_ROW,
    Caption,
    CaptionQuerySet,
    Image,
    ListedRendition,
    Rendition,
    forget_local_urls,
    image_upload_to,
    local_url,
    rendition_upload_to,
    rendition_url,
)
from .querysets import (
    CARD_COLUMNS,
    CARD_FIELDS,
    DESK_VIEWS,
    DESK_WINDOW,
    ArticleQuerySet,
    article_path,
    as_datetime,
    card_row,
    desk_condition,
    forget_article_paths,
    from_row,
    generate_short_code,
    has_language_condition,
    json_rows,
    published_condition,
)
from .taxonomy import (
    ArticleSource,
    Category,
    Source,
    Topic,
    TopicQuerySet,
)
from .translation_sources import (
    TranslationSource,
    TranslationSourceQuerySet,
)

__all__ = [
    "SHORT_CODE_ALPHABET",
    "SHORT_CODE_LENGTH",
    "PUBLISH_PERMISSION",
    "PREVIEW_SALT",
    "localized",
    "names_in_all_languages",
    "new",
    "Placement",
    "Status",
    "text_digest",
    "Source",
    "Category",
    "TopicQuerySet",
    "Topic",
    "ArticleSource",
    "image_upload_to",
    "Image",
    "ListedRendition",
    "rendition_url",
    "local_url",
    "forget_local_urls",
    "rendition_upload_to",
    "Rendition",
    "CAPTION_ROW",
    "CaptionQuerySet",
    "Caption",
    "CARD_COLUMNS",
    "CARD_FIELDS",
    "article_path",
    "forget_article_paths",
    "generate_short_code",
    "published_condition",
    "has_language_condition",
    "DESK_VIEWS",
    "DESK_WINDOW",
    "desk_condition",
    "ArticleQuerySet",
    "card_row",
    "from_row",
    "json_rows",
    "as_datetime",
    "VersionState",
    "Article",
    "add_search_vectors",
    "TranslationSourceQuerySet",
    "TranslationSource",
]
