"""A prepared query gives what the ORM's own queryset gives, built once: instances, deferred columns, annotations."""

from unittest import mock

from django.db.models import Count, F
from django.test import TestCase

from articles.models import Article, Image, from_row
from articles.prepared import PreparedQuery, inline_constants, named_parameters

from .factories import make_article, make_category


def headline_query():
    return PreparedQuery(
        lambda pk, marker: (
            Article.objects.filter(pk=pk)
            .only("id", "headline_ar", "published_at_ar")
            .annotate(category_count=Count("categories"), marker=F("id") + marker)
        ),
        "pk",
        "marker",
    )


class PreparedQueryTests(TestCase):
    def test_the_same_instance_and_annotations_as_the_queryset(self):
        article = make_article(publish=("ar",), categories=[make_category(), make_category("اقتصاد", "Wirtschaft")])
        query = headline_query()
        for _ in range(2):  # prepared on the first call, reused on the second
            found = query.get(pk=article.pk, marker=1000)
            expected = (
                Article.objects.filter(pk=article.pk)
                .only("id", "headline_ar", "published_at_ar")
                .annotate(category_count=Count("categories"), marker=F("id") + 1000)
                .get()
            )
            self.assertEqual(
                (found.pk, found.headline_ar, found.published_at_ar, found.category_count, found.marker),
                (expected.pk, expected.headline_ar, expected.published_at_ar, 2, article.pk + 1000),
            )
            self.assertEqual(found.get_deferred_fields(), expected.get_deferred_fields())
            self.assertFalse(found._state.adding)
            self.assertEqual(found.loaded_values["headline_ar"], article.headline_ar)
        # A timezone-aware datetime, converted as the ORM converts it.
        self.assertIsNotNone(found.published_at_ar.tzinfo)

    def test_a_display_instance_has_the_same_values_without_the_constructor(self):
        article = make_article(publish=("ar",), categories=[make_category()])
        built = []
        original_init = Article.__init__

        def counting_init(instance, *args, **kwargs):
            built.append(instance)
            original_init(instance, *args, **kwargs)

        query = PreparedQuery(headline_query().build, "pk", "marker", display=True)
        with mock.patch.object(Article, "__init__", counting_init):
            found = query.get(pk=article.pk, marker=1000)
        expected = headline_query().get(pk=article.pk, marker=1000)
        self.assertEqual(built, [])
        self.assertEqual(
            (found.pk, found.headline_ar, found.published_at_ar, found.category_count, found.marker),
            (expected.pk, expected.headline_ar, expected.published_at_ar, 1, expected.marker),
        )
        self.assertEqual(found.get_deferred_fields(), expected.get_deferred_fields())
        self.assertEqual((found._state.adding, found._state.db), (False, "default"))
        # A deferred column is read on first use, as with any instance.
        self.assertEqual(found.teaser_ar, article.teaser_ar)

    def test_none_when_nothing_matches(self):
        self.assertIsNone(headline_query().get(pk=987654, marker=0))

    def test_a_placeholder_that_is_no_parameter_is_refused(self):
        query = PreparedQuery(lambda pk: Article.objects.filter(pk__gt=0), "pk")
        with self.assertRaisesMessage(ValueError, "placeholders that did not reach the SQL as parameters: ['pk']"):
            query.get(pk=3)


class InlineConstantsTests(TestCase):
    def test_the_querys_own_text_is_written_in_and_placeholders_stay_parameters(self):
        sql, params, slots = inline_constants(
            "SELECT 1 FROM t WHERE a = %s AND b LIKE '%%x' AND c = %s AND d = %s",
            ["it's 100%", 7, 8],
            [None, None, "pk"],
        )
        self.assertEqual(sql, "SELECT 1 FROM t WHERE a = 'it''s 100%%' AND b LIKE '%%x' AND c = %s AND d = %s")
        self.assertEqual((params, slots), ([7, 8], [None, "pk"]))

    def test_parameters_are_named_and_percent_signs_stay_escaped(self):
        sql, names = named_parameters("SELECT STRFTIME('%%Y', 'now') WHERE a = %s AND b = %s")
        self.assertEqual(sql, "SELECT STRFTIME('%%Y', 'now') WHERE a = %(p0)s AND b = %(p1)s")
        self.assertEqual(names, ["p0", "p1"])

    def test_a_prepared_query_finds_the_same_rows_with_its_constants_written_in(self):
        article = make_article(publish=("ar",))
        make_article(languages=("ar",))  # a draft, which the status constant leaves out
        query = PreparedQuery(lambda pk: Article.objects.filter(status_ar="published", pk__gte=pk), "pk")
        self.assertEqual(query.get(pk=0).pk, article.pk)


class FromRowTests(TestCase):
    def test_like_an_instance_read_from_the_database_with_the_rest_deferred(self):
        image = from_row(Image, {"id": 7, "width": 640, "height": 360, "credit": "dpa", "not_a_field": 1})
        self.assertEqual((image.pk, image.width, image.height, image.credit), (7, 640, 360, "dpa"))
        self.assertFalse(image._state.adding)
        self.assertIn("archive_title", image.get_deferred_fields())
        self.assertNotIn("not_a_field", image.__dict__)
