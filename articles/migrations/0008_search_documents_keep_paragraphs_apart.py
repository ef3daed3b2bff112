"""
The search documents again, now that they keep the words of two paragraphs apart (articles.sanitizer.body_text):
documents built before ran the last word of a paragraph into the first of the next. What
`Article.refresh_derived_fields` writes, for every article, a thousand at a time; nothing else changes.
"""

from django.db import migrations

from articles import languages, search

BATCH = 1000


def document(article, language):
    return search.document(
        *(getattr(article, languages.field(name, language)) or "" for name in ("headline", "teaser", "body"))
    )


def rebuild_search_documents(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    columns = [languages.field(name, code) for code in languages.CODES for name in ("headline", "teaser", "body")]
    documents = [languages.field("search_document", code) for code in languages.CODES]
    last = 0
    while True:
        articles = list(Article.objects.filter(pk__gt=last).order_by("pk").only("pk", *columns)[:BATCH])
        if not articles:
            return
        for article in articles:
            texts = [document(article, code) for code in languages.CODES]
            for column, text in zip(documents, texts, strict=True):
                setattr(article, column, text)
            article.search_text = " ".join(texts)
        Article.objects.bulk_update(articles, [*documents, "search_text"])
        last = articles[-1].pk


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_focal_points_crops_and_picture_keys")]

    operations = [migrations.RunPython(rebuild_search_documents, migrations.RunPython.noop, elidable=True)]
