"""Articles, their language versions, sources, categories and images."""

import importlib
import io
from datetime import UTC, datetime, timedelta
from unittest import mock, skipUnless

from django.apps import apps
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase, override_settings
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from modeltranslation.fields import TranslationField
from PIL import Image as PILImage
from reversion.models import Version

from articles.models import SHORT_CODE_ALPHABET, Article, Caption, Category, Image, Status, new
from articles.renditions import ORIGINAL, validate_image_file

from .factories import (
    make_article,
    make_category,
    make_image,
    make_source,
    make_user,
    picture_bytes,
    temporary_media,
)


class LanguageVersionTests(TestCase):
    def test_no_fallback_between_languages(self):
        article = make_article(languages=("ar",))
        with translation.override("de"):
            self.assertFalse(article.headline)
            self.assertNotEqual(article.headline, article.headline_ar)
        with translation.override("ar"):
            self.assertEqual(article.headline, article.headline_ar)
        self.assertEqual(article.missing_languages, ["de"])

    def test_each_language_is_published_on_its_own(self):
        article = make_article(publish=("ar",))
        self.assertTrue(article.is_published("ar"))
        self.assertFalse(article.is_published("de"))
        self.assertEqual(list(Article.objects.published("ar")), [article])
        self.assertEqual(list(Article.objects.published("de")), [])

    def test_publish_refuses_incomplete_version_and_names_what_is_missing(self):
        article = make_article(languages=("ar",), teaser_de="", headline_de="Nur Titel")
        with self.assertRaises(ValidationError) as raised:
            article.publish("de")
        message = raised.exception.messages[0]
        self.assertIn("teaser", message)
        self.assertIn("body", message)
        self.assertNotIn("headline", message)
        self.assertEqual(article.status_de, Status.DRAFT)

    def test_published_hides_future_and_embargoed_versions(self):
        now = timezone.now()
        live = make_article(publish=("ar",))
        embargoed = make_article(publish=("ar",), embargoed_until=now + timedelta(hours=1))
        future = make_article()
        future.publish("ar", when=now + timedelta(hours=2))
        future.save()
        self.assertEqual(list(Article.objects.published("ar")), [live])
        self.assertEqual(set(Article.objects.published("ar", now=now + timedelta(hours=3))), {live, embargoed, future})
        self.assertFalse(embargoed.is_published("ar"))

    def test_derived_fields(self):
        article = make_article(headline_ar="خبر عن الرقة", body_ar='<p onclick="x()">نص</p><script>alert(1)</script>')
        self.assertEqual(article.slug_ar, "خبر-عن-الرقة")
        self.assertEqual(article.body_ar, "<p>نص</p>")
        self.assertEqual(len(article.short_code), 5)
        self.assertTrue(set(article.short_code) <= set(SHORT_CODE_ALPHABET))
        self.assertIn("الرقه", article.search_text)  # normalised: ة -> ه
        self.assertEqual(article.get_absolute_url("ar"), iri_to_uri(f"/ar/{article.slug_ar}/a-{article.pk}/"))
        self.assertEqual(article.short_link(), f"/p/{article.short_code}")

    def test_short_codes_are_unique_and_kept(self):
        codes = {make_article().short_code for _ in range(20)}
        self.assertEqual(len(codes), 20)
        self.assertEqual(make_article(short_code="2SFM4").short_code, "2SFM4")


class CreditLineTests(TestCase):
    def test_initials_and_agencies_in_the_articles_order(self):
        sources = [
            make_source("afp", "ا ف ب", "AFP"),
            make_source("reuters", "رويترز", "Reuters"),
            make_source("dpa", "د ب ا", "dpa"),
        ]
        article = make_article(sources=sources, initials_ar="ف.ي/أ.ح", initials_de="fy/ah")
        self.assertEqual(article.credit_line("ar"), "ف.ي/أ.ح (ا ف ب، رويترز، د ب ا)")
        self.assertEqual(article.credit_line("de"), "fy/ah (AFP, Reuters, dpa)")
        reordered = make_article(sources=list(reversed(sources)), initials_ar="ف.ي")
        self.assertEqual(reordered.credit_line("ar"), "ف.ي (د ب ا، رويترز، ا ف ب)")

    def test_without_agencies(self):
        self.assertEqual(make_article(initials_ar="ف.ي").credit_line("ar"), "ف.ي")


class CategoryAndSourceTests(TestCase):
    def test_category_slugs_per_language(self):
        category = make_category(name_ar="اقتصاد", name_de="Wirtschaft")
        self.assertEqual(category.slug_ar, "اقتصاد")
        self.assertEqual(category.slug_de, "wirtschaft")
        self.assertEqual(str(category), "اقتصاد / Wirtschaft")

    def test_seeded_agencies(self):
        self.assertEqual(make_source("dpa").display_name("ar"), "د ب ا")
        self.assertEqual(make_source("dpa").display_name("de"), "dpa")


class ImageValidationTests(TestCase):
    def test_real_picture_passes(self):
        upload = SimpleUploadedFile("a.png", picture_bytes(format="PNG"))
        self.assertEqual(validate_image_file(upload), (64, 48))

    def test_not_a_picture(self):
        with self.assertRaisesMessage(ValidationError, "not a picture"):
            validate_image_file(SimpleUploadedFile("a.jpg", b"GIF89a but not really"))

    @override_settings(IMAGE_MAX_PIXELS=1000)
    def test_too_many_pixels(self):
        with self.assertRaisesMessage(ValidationError, "pixels"):
            validate_image_file(SimpleUploadedFile("a.jpg", picture_bytes(width=100, height=100)))

    def test_decompression_bomb(self):
        # A tiny PNG that claims 30000x30000 pixels: refused without being decoded.
        buffer = io.BytesIO()
        PILImage.new("1", (30000, 30000)).save(buffer, format="PNG")
        with self.assertRaises(ValidationError):
            validate_image_file(SimpleUploadedFile("bomb.png", buffer.getvalue()))

    @override_settings(IMAGE_MAX_BYTES=100)
    def test_too_large_file(self):
        with self.assertRaisesMessage(ValidationError, "bytes"):
            validate_image_file(SimpleUploadedFile("a.jpg", picture_bytes()))

    def test_too_small(self):
        with self.assertRaisesMessage(ValidationError, "too small"):
            validate_image_file(SimpleUploadedFile("a.jpg", picture_bytes(width=4, height=4)))

    def test_image_without_file_awaits_it(self):
        image = make_image(alt_text_de="Ein Bild")
        self.assertTrue(image.is_awaiting_file)
        self.assertEqual(image.alt_for("de"), "Ein Bild")
        self.assertEqual(image.alt_for("ar"), image.archive_title)  # only where no alt text in that language

    def test_content_hash_spots_duplicates(self):
        first = make_image(with_file=True)
        second = make_image(with_file=True)
        self.assertEqual(first.content_hash, second.content_hash)
        self.assertEqual(len(first.content_hash), 64)


@override_settings(TIME_ZONE="Europe/Berlin")
class VersionStateTests(TestCase):
    """What the desk shows of a language version: its state and the time that matters, in the newsroom's zone."""

    def setUp(self):
        self.now = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)

    def state(self, article, language="de"):
        return article.version_state(language, now=self.now)

    def test_missing_draft_review_and_unpublished(self):
        article = make_article(languages=["ar"])
        self.assertEqual(self.state(article).key, "missing")
        self.assertEqual(self.state(article, "ar").key, "draft")
        article.status_ar = Status.REVIEW
        self.assertEqual(str(self.state(article, "ar")), "In review")

    def test_scheduled_says_for_when_and_when_it_goes_live(self):
        article = make_article()
        article.set_status("de", Status.SCHEDULED, scheduled_at=self.now + timedelta(hours=2))
        state = self.state(article)
        self.assertEqual((state.key, str(state)), ("scheduled", "scheduled for July 1, 2026, 12:00 CEST"))
        self.assertEqual(state.goes_live_at, self.now + timedelta(hours=2))

    def test_a_live_version_under_embargo_is_embargoed_until_then(self):
        article = make_article(publish=["de"], embargoed_until=self.now + timedelta(days=1))
        article.published_at_de = self.now - timedelta(days=1)
        state = self.state(article)
        self.assertEqual((state.key, state.label), ("embargoed", "embargoed until July 2, 2026, 10:00 CEST"))
        self.assertEqual(state.goes_live_at, self.now + timedelta(days=1))
        self.assertFalse(state.is_live)

    def test_an_embargo_later_than_the_schedule_is_noted(self):
        article = make_article(embargoed_until=self.now + timedelta(hours=5))
        article.set_status("de", Status.SCHEDULED, scheduled_at=self.now + timedelta(hours=2))
        state = self.state(article)
        self.assertEqual(state.notes, ("embargoed until July 1, 2026, 15:00 CEST",))
        self.assertEqual(state.goes_live_at, self.now + timedelta(hours=5))

    def test_live_with_an_expiry_and_expired(self):
        article = make_article(publish=["de"], expires_at=self.now + timedelta(hours=1))
        article.published_at_de = self.now - timedelta(days=1)
        self.assertEqual(str(self.state(article)), "Published · expires July 1, 2026, 11:00 CEST")
        self.assertTrue(self.state(article).is_live)
        article.expires_at = self.now - timedelta(hours=1)
        self.assertEqual(self.state(article).label, "expired July 1, 2026, 09:00 CEST")


class DeskQueryTests(TestCase):
    """The desk overview's lines as conditions: what each counts, all counted in one query."""

    def test_each_line_counts_its_versions(self):
        now = timezone.now()
        review = make_article(languages=["de"])
        review.status_de = Status.REVIEW
        review.save()
        soon = make_article()
        soon.set_status("ar", Status.SCHEDULED, scheduled_at=now + timedelta(hours=3))
        soon.save()
        later = make_article()
        later.set_status("ar", Status.SCHEDULED, scheduled_at=now + timedelta(days=3))
        later.save()
        make_article(publish=["de"], embargoed_until=now + timedelta(hours=2))
        make_article(publish=["ar", "de"], expires_at=now + timedelta(hours=5))
        with self.assertNumQueries(1):
            counts = Article.objects.desk_counts(now)
        self.assertEqual(counts[("de", "review")], 1)
        self.assertEqual(counts[("ar", "scheduled")], 1)
        self.assertEqual(counts[("de", "embargoed")], 1)
        self.assertEqual(counts[("ar", "expiring")], 1)
        self.assertEqual(counts[("ar", "published_today")], 1)
        self.assertEqual(counts[("de", "published_today")], 1)  # the embargoed one is not visible
        self.assertEqual(counts[("ar", "missing")], 1)
        self.assertEqual(counts[("de", "missing")], 0)
        self.assertEqual(list(Article.objects.desk("scheduled", "ar", now)), [soon])


class PageQueryTests(TestCase):
    @temporary_media()
    def test_a_page_reads_its_pictures_uncropped_only(self):
        article = make_article(publish=["ar"], images=1)
        image = article.captions.get().image
        image.file = SimpleUploadedFile("bild.jpg", picture_bytes(width=900, height=600), content_type="image/jpeg")
        image.save()
        image.ensure_renditions()
        self.assertGreater(set(image.renditions.values_list("crop", flat=True)), {ORIGINAL})  # teaser crops made
        [caption] = Article.objects.for_page("ar").get(pk=article.pk).shown_captions
        self.assertEqual({row[4] for row in caption.image.rendition_rows}, {ORIGINAL})
        shown, stored = caption.image.picture, Image.objects.get(pk=image.pk).picture
        self.assertEqual(shown.pop("widest").url, stored.pop("widest").url)
        self.assertEqual(shown, stored)


class PreviewLinkTests(TestCase):
    def test_shared_preview_tokens_open_only_their_article_and_expire(self):
        article = make_article()
        url = article.get_shared_preview_url("de")
        token = url.rstrip("/").rsplit("/", 1)[1]
        self.assertEqual(Article.pk_from_preview_token(token), article.pk)
        with self.assertRaises(signing.BadSignature):
            Article.pk_from_preview_token(signing.dumps({"article": article.pk}, salt="another.salt"))
        with override_settings(PREVIEW_LINK_MAX_AGE=-1), self.assertRaises(signing.SignatureExpired):
            Article.pk_from_preview_token(token)


class WhoMayChangeTests(TestCase):
    """What readers see, live or scheduled in any language, is changed only by those who may publish."""

    @classmethod
    def setUpTestData(cls):
        cls.reporter = make_user("reporter", "reporter")
        cls.editor = make_user("editor", "editor")

    def test_live_or_scheduled_in_any_language(self):
        draft = make_article()
        live = make_article(publish=("de",))
        scheduled = make_article()
        scheduled.status_ar = Status.SCHEDULED
        scheduled.save()
        self.assertEqual(set(Article.objects.public_or_scheduled()), {live, scheduled})
        self.assertTrue(draft.may_be_changed_by(self.reporter))
        self.assertFalse(live.may_be_changed_by(self.reporter))
        self.assertTrue(live.may_be_changed_by(self.editor))

    def test_a_picture_shown_by_a_live_article(self):
        shown = make_article(publish=("ar",), images=1).captions.get().image
        in_draft = make_article(images=1).captions.get().image
        unused = make_image()
        self.assertFalse(shown.may_be_changed_by(self.reporter))
        self.assertTrue(shown.may_be_changed_by(self.editor))
        self.assertTrue(in_draft.may_be_changed_by(self.reporter))
        self.assertTrue(unused.may_be_changed_by(self.reporter))
        self.assertTrue(Image().may_be_changed_by(self.reporter), "an unsaved picture is new")


class NewInstanceTests(TestCase):
    """`new` makes what the model's constructor makes, in whichever language is active."""

    def state(self, obj):
        return {name: value for name, value in vars(obj).items() if name not in ("_state", "key")}

    def test_the_same_instance_as_the_constructor(self):
        article = make_article()
        picture = make_image()
        cases = [
            (Article, {"source_identifier": "urn:x"}),
            (Article, {"headline_de": "Meldung", "status_ar": Status.PUBLISHED}),
            (Image, {"source_identifier": "urn:pic"}),
            (Caption, {"article": article, "image": picture}),
            (Caption, {"article_id": article.pk, "image_id": picture.pk, "text_de": "Bild"}),
            (Article.categories.through, {"article_id": article.pk, "category_id": 1}),
            (Version, {"revision_id": 1, "content_type_id": 2, "object_id": "3", "format": "json"}),
            # A translated field by its own name stands for the active language's column.
            (Category, {"name": "Politik"}),
        ]
        for language in ("ar", "de"):
            for model, values in cases:
                with (
                    self.subTest(model=model.__name__, values=values, language=language),
                    translation.override(language),
                ):
                    made = new(model, **values)
                    self.assertEqual(self.state(made), self.state(model(**values)))
                    self.assertTrue(made._state.adding)
        # A relation given as an object stays with the instance, as the constructor keeps it.
        self.assertIs(new(Caption, article=article, image=picture).article, article)
        self.assertNotEqual(new(Caption).key, new(Caption).key)  # a default made per instance

    def test_no_default_looked_up_per_language(self):
        new(Article), new(Image)  # the defaults are read once, on first use
        with mock.patch.object(TranslationField, "get_default", side_effect=AssertionError("looked up")):
            new(Article, source_identifier="urn:x")
            new(Image)


class CategorySlugTests(TestCase):
    """A category's page is found by its slug: one name, two categories, two slugs."""

    def test_a_name_taken_gets_the_next_number(self):
        slugs = [make_category(name_ar="رياضة", name_de="Sport").slug_de for _ in range(3)]
        self.assertEqual(slugs, ["sport", "sport-2", "sport-3"])
        renamed = Category.objects.get(slug_de="sport-3")
        renamed.slug_de = ""
        renamed.save()  # its own slug is no other's
        self.assertEqual(renamed.slug_de, "sport-3")

    def test_the_database_refuses_a_shared_slug(self):
        make_category(name_de="Sport")
        with self.assertRaises(ValidationError):
            Category(name_de="Sport", slug_de="sport").full_clean()

    @skipUnless(connection.vendor == "postgresql", "SQLite cannot drop a constraint inside a test's transaction")
    def test_migration_0009_numbers_slugs_shared_before(self):
        migration = importlib.import_module("articles.migrations.0009_category_slugs_are_unique_per_language")
        with connection.schema_editor() as editor:
            for constraint in Category._meta.constraints:
                editor.remove_constraint(Category, constraint)
        first, second, third = (make_category(name_ar="رياضة", name_de=f"Sport {n}") for n in range(3))
        Category.objects.update(slug_de="sport")
        Category.objects.filter(pk=third.pk).update(slug_de="sport-2")
        migration.number_shared_slugs(apps, None)
        slugs = dict(Category.objects.values_list("pk", "slug_de"))
        self.assertEqual([slugs[first.pk], slugs[second.pk], slugs[third.pk]], ["sport", "sport-3", "sport-2"])
        arabic = list(Category.objects.order_by("pk").values_list("slug_ar", flat=True))
        self.assertEqual(arabic, [first.slug_ar, f"{first.slug_ar}-2", f"{first.slug_ar}-3"])
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # an index is not built over pending checks
        with connection.schema_editor() as editor:
            for constraint in Category._meta.constraints:
                editor.add_constraint(Category, constraint)
