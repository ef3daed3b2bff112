"""
Which cached responses a change renews. The content's own save, delete and relation signals name the dependency
keys the change touched (articles/dependencies.py); once the transaction commits, the page cache marks exactly those
stale and the CDN is told (reader/purge.py). The content core knows nothing of how pages are cached.

A draft, a version in review or a scheduled one touches nothing; so does any save that changes nothing readers see.
"""

import functools

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from articles import dependencies
from articles.models import Article, ArticleSource, Caption, Category, Image, Source, Topic
from articles.signals import came_into_view
from workflow.models import Correction

from . import caching, purge


def renew(keys):
    """After the current transaction commits: mark `keys` stale in the page cache and purge them from the CDN."""
    keys = frozenset(keys)
    if keys:
        transaction.on_commit(functools.partial(renew_now, keys))


def renew_now(keys):
    try:
        caching.invalidate(keys)
    except caching.CacheUnavailable:
        purge.worker.submit(purge.RENEW, keys)  # retried until the cache answers again
    purge.worker.submit(purge.PURGE, keys)


def visible_state(article):
    """The columns `dependencies.changed_keys` compares, as they are on the instance now."""
    loaded = getattr(article, "loaded_values", None) or {}
    # A field the instance did not load is one the save did not write: it is as it was.
    return {
        column: article.__dict__[column] if column in article.__dict__ else loaded.get(column)
        for column in dependencies.state_columns()
    }


def article_saving(sender, instance, raw=False, **kwargs):
    if raw:
        return
    columns = dependencies.state_columns()
    loaded = getattr(instance, "loaded_values", None)
    if loaded is not None and all(column in loaded for column in columns):
        before = {column: loaded[column] for column in columns}
    elif instance.pk is None:
        before = None
    else:
        before = Article.objects.filter(pk=instance.pk).values(*columns).first()
    instance.state_before_save = before


def article_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    after = visible_state(instance)
    renew(
        dependencies.changed_keys(instance.pk, getattr(instance, "state_before_save", None), after, instance.linked_ids)
    )
    # The next save of this instance compares against what this one wrote.
    instance.loaded_values = {**(getattr(instance, "loaded_values", None) or {}), **after}


def article_deleting(sender, instance, **kwargs):
    # Before the delete: afterwards its category and related links are gone.
    renew(dependencies.changed_keys(instance.pk, visible_state(instance), None, instance.linked_ids))


def shown_by(article_ids, group=None):
    """
    Keys of what the given articles show beside their text (pictures, captions, agencies, categories, topics); with
    `group` (a `dependencies.Linked` of one category or topic) only that group's lists, not each article's.
    """
    keys = set()
    articles = Article.objects.filter(pk__in=article_ids).only(*dependencies.state_columns())
    for article in articles:
        visible = article.published_languages()
        if not visible:
            continue
        keys |= dependencies.shown_keys(article.pk, visible, group if group is not None else article.linked_ids())
    return keys


def part_changed(sender, instance, raw=False, **kwargs):
    """A caption or source link: what its article shows."""
    if not raw:
        renew(shown_by([instance.article_id]))


def image_changed(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    renew(shown_by(Caption.objects.filter(image_id=instance.pk).values("article_id")))


def correction_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        renew({dependencies.article(instance.article_id, instance.language)})


def category_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        renew({dependencies.category(instance.pk), dependencies.CATEGORIES})


def topic_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        renew({dependencies.topic(instance.pk), dependencies.TOPICS})


def source_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        renew({dependencies.source(instance.pk), dependencies.SOURCES})


def grouping_changed(field):
    """A handler for articles put in or taken out of categories or topics (`field`), from either side."""

    def changed(sender, instance, action, reverse, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "pre_clear"):
            return
        if reverse:  # category.articles.add(...): `instance` is the group, `pk_set` the articles
            articles = pk_set if pk_set is not None else instance.articles.values("pk")
            renew(shown_by(articles, group=dependencies.Linked(**{field: (instance.pk,)})))
            return
        groups = pk_set if pk_set is not None else list(getattr(instance, field).values_list("pk", flat=True))
        visible = instance.published_languages()
        renew(dependencies.shown_keys(instance.pk, visible, dependencies.Linked(**{field: tuple(groups)})))

    return changed


def related_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """The "Discover more" list of an article (from either side)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # `instance` was added to or removed from the related lists of the articles in `pk_set`
        articles = pk_set if pk_set is not None else instance.related_from.values("pk")
        keys = {
            dependencies.article_pages(article.pk)
            for article in Article.objects.filter(pk__in=articles).only(*dependencies.state_columns())
            if article.published_languages()
        }
    else:
        keys = {dependencies.article_pages(instance.pk)} if instance.published_languages() else set()
    renew(keys)


def time_showed(sender, languages_by_article, **kwargs):
    keys = set()
    for article in Article.objects.filter(pk__in=list(languages_by_article)).only(*dependencies.state_columns()):
        visible = article.published_languages()
        appeared = [code for code in languages_by_article[article.pk] if code in visible]
        keys |= dependencies.appeared_keys(article.pk, appeared, visible, article.linked_ids)
    renew(keys)


def connect_signals():
    uid = "page-cache"
    pre_save.connect(article_saving, sender=Article, dispatch_uid=f"{uid}-article-saving")
    post_save.connect(article_saved, sender=Article, dispatch_uid=f"{uid}-article-saved")
    pre_delete.connect(article_deleting, sender=Article, dispatch_uid=f"{uid}-article-deleting")
    for model, handler in (
        (Caption, part_changed),
        (ArticleSource, part_changed),
        (Image, image_changed),
        (Correction, correction_changed),
        (Category, category_changed),
        (Topic, topic_changed),
        (Source, source_changed),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}-save-{model._meta.label}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}-delete-{model._meta.label}")
    for field in ("categories", "topics"):
        relation = getattr(Article, field).through
        m2m_changed.connect(grouping_changed(field), sender=relation, dispatch_uid=f"{uid}-{field}", weak=False)
    m2m_changed.connect(related_changed, sender=Article.related.through, dispatch_uid=f"{uid}-related")
    came_into_view.connect(time_showed, dispatch_uid=f"{uid}-time")
