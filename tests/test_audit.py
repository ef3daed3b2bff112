"""The audit trail: one revision and one admin log entry per change, naming the user; accounts for commands."""

import datetime
import json

import reversion
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from reversion.errors import RevisionManagementError
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from articles.audit import (
    LOG_COLUMNS,
    VERSION_COLUMNS,
    Change,
    insert_rows,
    record,
    record_each,
    serialize,
    system_user,
)
from articles.models import Article, ArticleSource, Caption, Category, Image, Source, Topic
from workflow.models import Correction

from .factories import make_article, make_category, make_source, make_user


class RecordTests(TestCase):
    def test_names_the_user_in_the_revision_and_the_log(self):
        article = make_article()
        editor = make_user("editor", "editor")
        with reversion.create_revision():
            article.save()
            record(article, editor, "Imported from item.json", action_flag=ADDITION)
        version = Version.objects.get_for_object(article).get()
        self.assertEqual(version.revision.user, editor)
        self.assertEqual(version.revision.get_comment(), "Imported from item.json")
        entry = LogEntry.objects.get(object_id=str(article.pk))
        self.assertEqual((entry.user, entry.action_flag), (editor, ADDITION))
        self.assertEqual(entry.get_change_message(), "Imported from item.json")

    def test_change_is_the_default(self):
        article = make_article()
        with reversion.create_revision():
            record(article, make_user("editor"), "Changed")
        self.assertEqual(LogEntry.objects.get().action_flag, CHANGE)

    def test_outside_a_revision_is_a_mistake(self):
        # A log entry without the revision of what changed would be half a record.
        with self.assertRaises(RevisionManagementError):
            record(make_article(), make_user("editor"), "Changed")


class SystemUserTests(TestCase):
    def test_an_account_that_cannot_log_in_made_once(self):
        account = system_user("import_articles")
        self.assertFalse(account.is_active)
        self.assertFalse(account.has_usable_password())
        self.assertEqual(system_user("import_articles"), account)
        self.assertEqual(User.objects.filter(username="import_articles").count(), 1)


class RecordEachTests(TestCase):
    """`record_each` writes for many changes at once what `record` inside `create_revision()` writes for one."""

    def versions(self, revision):
        found = {}
        for version in revision.version_set.select_related("content_type"):
            (data,) = json.loads(version.serialized_data)
            for name, value in data["fields"].items():
                if isinstance(value, list):
                    data["fields"][name] = sorted(value)  # many-to-many values, in whichever order
            found[(version.content_type.model, version.object_id)] = (data, version.object_repr, version.format)
        return found

    def test_the_same_versions_as_django_reversion_builds(self):
        editor = make_user("editor", "editor")
        article = make_article(sources=[make_source("afp"), make_source("dpa")], images=2, categories=[make_category()])
        article.topics.add(Topic.objects.create(name_de="Rhein"), Topic.objects.create(name_ar="الراين"))
        article.related.add(make_article())
        picture = article.captions.first().image
        with reversion.create_revision():
            reversion.add_to_revision(article)
            reversion.add_to_revision(picture)
            record(article, editor, "by reversion")
        by_reversion = Version.objects.get_for_object(article).first().revision

        (by_us,) = record_each([Change(Article.objects.get(pk=article.pk), "by us", also=[picture])], editor)
        self.assertEqual(self.versions(by_us), self.versions(by_reversion))
        self.assertEqual((by_us.user, by_us.get_comment()), (editor, "by us"))
        self.assertEqual(LogEntry.objects.filter(object_id=str(article.pk)).count(), 2)

    def test_many_changes_in_a_fixed_number_of_queries(self):
        editor = make_user("editor", "editor")
        articles = [make_article(sources=[make_source("afp")], images=1) for _ in range(5)]
        prefetch = ["source_links__source", "captions__image", "categories", "topics", "related"]
        changes = [Change(article, f"change {n}") for n, article in enumerate(articles)]
        ContentType.objects.get_for_models(Article, ArticleSource, Caption)  # cached for the process, as they are
        with self.assertNumQueries(10):  # five prefetches (two with what they name), then revisions, versions, log
            revisions = record_each(changes, editor, prefetch)
        self.assertEqual(len(revisions), 5)
        self.assertEqual([revision.get_comment() for revision in revisions], [f"change {n}" for n in range(5)])
        for article, revision in zip(articles, revisions, strict=True):
            self.assertEqual(Version.objects.get_for_object(article).get().revision, revision)


class SerializeTests(TestCase):
    """`serialize` writes what Django's serializer writes, byte for byte: readers of revisions parse either."""

    def by_django(self, obj):
        options = _get_options(type(obj))
        return serializers.serialize(options.format, (obj,), fields=options.fields)

    def assert_as_django(self, obj, known=None):
        self.assertEqual(serialize(obj, _get_options(type(obj)), known), self.by_django(obj))

    def test_an_article_with_translations_relations_and_dates(self):
        article = make_article(
            sources=[make_source("afp"), make_source("dpa")],
            images=2,
            categories=[make_category(), make_category("رياضة", "Sport")],
            publish=["de"],
            embargoed_until=timezone.now() + datetime.timedelta(hours=1, microseconds=123456),
            agency_metadata={"de": {"note": 'Sperrfrist "bis 10 Uhr" \\ beachten'}},
        )
        article.topics.add(Topic.objects.create(name_de="Rhein"), Topic.objects.create(name_ar="الراين"))
        article.related.add(make_article(), make_article())
        article.import_state = {"ar": {"fingerprint": "abc", "updated_at": "2025-06-01T08:00:00+00:00"}}
        article.save()
        prefetched = Article.objects.prefetch_related("categories", "topics", "related").get(pk=article.pk)
        self.assert_as_django(prefetched)
        # Read from the database when not prefetched (one of each, so the order is the database's either way).
        fresh = Article.objects.get(pk=article.pk)
        fresh.categories.set(fresh.categories.all()[:1])
        fresh.topics.set(fresh.topics.all()[:1])
        fresh.related.set(fresh.related.all()[:1])
        self.assert_as_django(fresh)
        # As the writer knows a new article's relations (lists of primary keys).
        known = {
            "categories": list(fresh.categories.values_list("pk", flat=True)),
            "topics": list(fresh.topics.values_list("pk", flat=True)),
            "related": list(fresh.related.values_list("pk", flat=True)),
        }
        self.assert_as_django(fresh, known)
        for caption in Caption.objects.filter(article=article):
            self.assert_as_django(caption)
            self.assert_as_django(caption.image)
        for link in ArticleSource.objects.filter(article=article):
            self.assert_as_django(link)

    def test_the_original_fields_read_in_the_active_language(self):
        article = make_article(languages=("de",))
        image = Image.objects.create(alt_text_de="Ein Bild", credit="dpa")
        for language in ("ar", "de"):
            with translation.override(language):
                self.assert_as_django(article)
                self.assert_as_django(image)


class InsertRowsTests(TestCase):
    """`insert_rows` writes the rows bulk_create writes (on PostgreSQL with COPY), in one logged statement."""

    def test_every_column_but_the_key(self):
        for model, names in ((Version, VERSION_COLUMNS), (LogEntry, LOG_COLUMNS)):
            with self.subTest(model=model):
                columns = {field.attname for field in model._meta.concrete_fields if not field.primary_key}
                self.assertEqual(set(names), columns)

    def assert_as_bulk_create(self, model, columns, rows, order_by):
        with self.assertNumQueries(1):
            insert_rows(model, columns, rows)
        ours = list(model.objects.order_by(order_by).values_list(*columns))
        model.objects.all().delete()
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
        self.assertEqual(ours, list(model.objects.order_by(order_by).values_list(*columns)))
        self.assertEqual(ours, rows)

    def test_versions_as_bulk_create_writes_them(self):
        revision = Revision.objects.create(date_created=timezone.now(), comment="")
        content_type = ContentType.objects.get_for_model(Article)
        rows = [
            (revision.pk, content_type.pk, "1", "default", "json", '[{"fields": {"t": "\\"x\\" {a,b}\\n\tب"}}]', "خبر"),
            (revision.pk, content_type.pk, "2", "default", "json", "", 'NULL "quoted" \\ text\r\n'),
        ]
        self.assert_as_bulk_create(Version, VERSION_COLUMNS, rows, "object_id")
        with self.assertNumQueries(0):
            insert_rows(Version, VERSION_COLUMNS, [])

    def test_log_entries_as_bulk_create_writes_them(self):
        user = make_user("editor", "editor")
        moment = datetime.datetime(2025, 6, 1, 8, 0, 0, 123456, tzinfo=datetime.UTC)
        content_type = ContentType.objects.get_for_model(Article)
        rows = [
            (moment, user.pk, content_type.pk, "7", "خبر \\ عاجل", ADDITION, 'Importiert aus dpa.json ("ninjs").'),
            (moment, user.pk, content_type.pk, "8", "\\N", CHANGE, ""),
        ]
        self.assert_as_bulk_create(LogEntry, LOG_COLUMNS, rows, "object_id")


class NamesReadersSeeTests(TestCase):
    """Agencies', categories' and topics' names and corrections are printed on pages: changing them is kept too."""

    def setUp(self):
        self.client.force_login(User.objects.create_superuser("chief", "chief@example.org", "pw-for-tests"))

    def test_renaming_a_category_keeps_a_revision_naming_the_user(self):
        category = make_category()
        url = reverse("admin:articles_category_change", args=[category.pk])
        data = {"name_ar": "سياسة دولية", "name_de": "Weltpolitik", "slug_ar": category.slug_ar, "slug_de": "welt"}
        self.assertEqual(self.client.post(url, data).status_code, 302)
        version = Version.objects.get_for_object(category).get()
        self.assertEqual(version.revision.user.username, "chief")
        self.assertEqual(version.field_dict["name_de"], "Weltpolitik")
        self.assertTrue(LogEntry.objects.filter(object_id=str(category.pk), user__username="chief").exists())

    def test_sources_topics_and_corrections_are_registered(self):
        for model in (Source, Category, Topic, Correction):
            with self.subTest(model=model.__name__):
                self.assertTrue(reversion.is_registered(model))

    def test_rewording_a_correction_needs_the_publish_permission(self):
        article = make_article(languages=("de",), publish=("de",))
        correction = Correction.objects.create(article=article, language="de", text="Korrigiert: der Name.")
        url = reverse("admin:workflow_correction_change", args=[correction.pk])
        desk = User.objects.create_user("desk", password="pw-for-tests", is_staff=True)
        desk.user_permissions.set(Permission.objects.filter(codename__in=["view_correction", "change_correction"]))
        self.client.force_login(desk)
        self.assertEqual(self.client.post(url, {"text": "Umgeschrieben."}).status_code, 403)
        correction.refresh_from_db()
        self.assertEqual(correction.text, "Korrigiert: der Name.")
        desk.user_permissions.add(Permission.objects.get(codename="publish_article"))
        desk = User.objects.get(pk=desk.pk)  # permissions are cached per user object
        self.client.force_login(desk)
        self.assertEqual(self.client.post(url, {"text": "Umgeschrieben."}).status_code, 302)
        correction.refresh_from_db()
        self.assertEqual(correction.text, "Umgeschrieben.")
        self.assertEqual(Version.objects.get_for_object(correction).get().revision.user, desk)
