"""The editorial workflow: transitions per language, completeness, warnings, corrections and bulk actions."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

from django.contrib.admin.models import LogEntry
from django.contrib.messages import constants as message_constants
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles import languages
from articles.models import Article, Status
from tests.factories import SEED, make_article, make_category, make_image, make_user, needs_seed
from workflow.forms import ScheduleForm
from workflow.models import Correction, EditLock
from workflow.transitions import WORKFLOW

BERLIN = ZoneInfo("Europe/Berlin")


def name(code):
    """A language's name as messages show it in the active (request) language."""
    return str(languages.name(code))


class TransitionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reporter = make_user("reporter", "reporter")
        cls.editor = make_user("editor", "editor")

    def test_reporter_submits_editor_publishes(self):
        article = make_article()
        WORKFLOW.transition(article, "ar", "submit", self.reporter)
        self.assertEqual(article.status_ar, Status.REVIEW)
        self.assertEqual(article.status_de, Status.DRAFT)
        WORKFLOW.transition(article, "ar", "publish", self.editor)
        self.assertEqual(article.status_ar, Status.PUBLISHED)
        self.assertTrue(article.is_published("ar"))
        self.assertEqual(list(Article.objects.published("ar")), [article])
        self.assertEqual(list(Article.objects.published("de")), [])

    def test_reporter_may_not_publish(self):
        article = make_article()
        with self.assertRaises(PermissionDenied):
            WORKFLOW.transition(article, "ar", "publish", self.reporter)
        self.assertEqual(Article.objects.get(pk=article.pk).status_ar, Status.DRAFT)

    def test_refused_from_wrong_state(self):
        article = make_article()
        with self.assertRaisesMessage(ValidationError, "draft"):
            WORKFLOW.transition(article, "de", "unpublish", self.editor)
        with self.assertRaises(ValidationError):
            WORKFLOW.transition(article, "de", "correct", self.editor, note="x")

    def test_available_actions_follow_state_and_permission(self):
        article = make_article()
        self.assertEqual([t.action for t in WORKFLOW.available_actions(article, "ar", self.reporter)], ["submit"])
        self.assertEqual(
            [t.action for t in WORKFLOW.available_actions(article, "ar", self.editor)],
            ["submit", "schedule", "publish"],
        )
        WORKFLOW.transition(article, "ar", "publish", self.editor)
        self.assertEqual(
            [t.action for t in WORKFLOW.available_actions(article, "ar", self.editor)], ["unpublish", "correct"]
        )
        self.assertEqual([t.action for t in WORKFLOW.available_actions(article, "ar", self.reporter)], [])

    def test_transition_is_logged_with_language(self):
        article = make_article()
        WORKFLOW.transition(article, "de", "publish", self.editor)
        entry = LogEntry.objects.get(object_id=str(article.pk))
        self.assertEqual(entry.user, self.editor)
        self.assertIn(name("de"), entry.get_change_message())

    def test_correction_keeps_page_live_and_adds_note(self):
        article = make_article(publish=["ar"])
        WORKFLOW.transition(article, "ar", "correct", self.editor, note="An earlier version misspelt a name.")
        self.assertTrue(article.is_published("ar"))
        self.assertEqual(
            [c.text for c in article.corrections.filter(language="ar")], ["An earlier version misspelt a name."]
        )
        self.assertFalse(article.corrections.filter(language="de").exists())
        self.assertEqual(Correction.objects.get().created_by, self.editor)

    def test_correction_needs_a_note(self):
        article = make_article(publish=["ar"])
        with self.assertRaisesMessage(ValidationError, "correction note"):
            WORKFLOW.transition(article, "ar", "correct", self.editor, note="  ")


class CompletenessTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def test_each_language_needs_its_own_text(self):
        article = make_article(languages=["ar"])
        WORKFLOW.transition(article, "ar", "publish", self.editor)
        with self.assertRaises(ValidationError) as caught:
            WORKFLOW.transition(article, "de", "publish", self.editor)
        message = " ".join(caught.exception.messages)
        self.assertIn(f"{name('de')} version has no headline, teaser, body, slug", message)

    def test_names_exactly_what_is_missing(self):
        article = make_article(teaser_de="")
        with self.assertRaisesMessage(ValidationError, f"The {name('de')} version has no teaser."):
            WORKFLOW.transition(article, "de", "publish", self.editor)

    def test_empty_html_body_is_missing(self):
        article = make_article(body_ar="<p> </p>")
        self.assertEqual([str(m) for m in article.missing_fields("ar")], ["body"])

    def test_warnings_do_not_block(self):
        article = make_article(images=1)
        warnings = article.publish_warnings("de")
        self.assertTrue(any("no category" in w for w in warnings))
        self.assertTrue(any("awaiting its file" in w for w in warnings))
        self.assertTrue(any(f"{name('de')} alt text" in w for w in warnings))
        WORKFLOW.transition(article, "de", "publish", self.editor)

    def test_no_warnings_when_all_is_there(self):
        article = make_article(categories=[make_category()])
        image = make_image(with_file=True, alt_text_ar="صورة", alt_text_de="Bild")
        article.captions.create(image=image)
        self.assertEqual(article.publish_warnings("ar"), [])


class SchedulingTimeTests(TestCase):
    """Times are typed in Europe/Berlin and stored in UTC; DST gaps and repeats are refused, not guessed."""

    def test_stored_in_utc(self):
        form = ScheduleForm({"when": "2099-07-01T09:15", "language": ""})
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["when"], datetime(2099, 7, 1, 7, 15, tzinfo=ZoneInfo("UTC")))

    def test_nonexistent_spring_time_refused(self):
        form = ScheduleForm({"when": "2026-03-29T02:30"})
        self.assertFalse(form.is_valid())
        self.assertIn("clocks change", str(form.errors["when"]))

    def test_ambiguous_autumn_time_refused(self):
        form = ScheduleForm({"when": "2026-10-25T02:30"})
        self.assertFalse(form.is_valid())
        self.assertIn("clocks change", str(form.errors["when"]))

    def test_times_around_the_change_are_exact(self):
        for typed, utc in [
            ("2026-03-29T01:59", datetime(2026, 3, 29, 0, 59, tzinfo=ZoneInfo("UTC"))),
            ("2026-03-29T03:00", datetime(2026, 3, 29, 1, 0, tzinfo=ZoneInfo("UTC"))),
            ("2026-10-25T01:30", datetime(2026, 10, 24, 23, 30, tzinfo=ZoneInfo("UTC"))),
            ("2026-10-25T03:30", datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("UTC"))),
        ]:
            with self.subTest(typed=typed):
                form = ScheduleForm({"when": typed})
                # validity against "now" does not matter here; the parsed value does
                form.is_valid()
                self.assertEqual(form.fields["when"].clean(typed), utc)

    def test_schedule_rounds_to_the_minute_and_refuses_the_past(self):
        editor = make_user("editor", "editor")
        article = make_article()
        when = timezone.now() + timedelta(hours=2, seconds=17)
        WORKFLOW.transition(article, "ar", "schedule", editor, when=when)
        self.assertEqual(article.status_ar, Status.SCHEDULED)
        self.assertEqual(article.scheduled_at_ar, when.replace(second=0, microsecond=0))
        with self.assertRaisesMessage(ValidationError, "future"):
            WORKFLOW.transition(article, "de", "schedule", editor, when=timezone.now() - timedelta(minutes=1))

    def test_schedule_refuses_incomplete_version(self):
        editor = make_user("editor", "editor")
        article = make_article(languages=["ar"])
        with self.assertRaisesMessage(ValidationError, f"{name('de')} version has no headline"):
            WORKFLOW.transition(article, "de", "schedule", editor, when=timezone.now() + timedelta(days=1))


class EmbargoTests(TestCase):
    def test_embargoed_article_is_hidden_until_its_time(self):
        now = timezone.now()
        article = make_article(publish=["ar", "de"], embargoed_until=now + timedelta(minutes=30))
        for language in ("ar", "de"):
            self.assertFalse(Article.objects.published(language, now=now).exists())
            self.assertFalse(article.is_published(language, now=now))
            self.assertTrue(Article.objects.published(language, now=now + timedelta(minutes=30)).exists())

    def test_expired_article_is_hidden_at_once(self):
        now = timezone.now()
        make_article(publish=["ar"], expires_at=now + timedelta(minutes=1))
        self.assertTrue(Article.objects.published("ar", now=now).exists())
        self.assertFalse(Article.objects.published("ar", now=now + timedelta(minutes=1)).exists())


class BulkActionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")
        cls.complete = make_article(headline_ar="كامل", headline_de="Vollständig")
        cls.arabic_only = make_article(languages=["ar"], headline_ar="عربي فقط")

    def setUp(self):
        self.client.force_login(self.editor)
        self.url = reverse("admin:articles_article_changelist")

    def post_action(self, action, language="", **extra):
        data = {
            "action": action,
            "language": language,
            "_selected_action": [self.complete.pk, self.arabic_only.pk],
            **extra,
        }
        return self.client.post(self.url, data, follow=True)

    def test_publish_both_languages_reports_what_failed_and_why(self):
        response = self.post_action("publish_selected")
        self.complete.refresh_from_db()
        self.arabic_only.refresh_from_db()
        self.assertEqual((self.complete.status_ar, self.complete.status_de), (Status.PUBLISHED, Status.PUBLISHED))
        self.assertEqual((self.arabic_only.status_ar, self.arabic_only.status_de), (Status.PUBLISHED, Status.DRAFT))
        text = " ".join(str(m) for m in response.context["messages"])
        self.assertIn("3 language versions done", text)
        self.assertIn(f"{name('de')} version has no headline", text)

    def test_publish_one_language(self):
        self.post_action("publish_selected", language="de")
        self.complete.refresh_from_db()
        self.assertEqual((self.complete.status_ar, self.complete.status_de), (Status.DRAFT, Status.PUBLISHED))

    def test_unpublish(self):
        self.post_action("publish_selected", language="ar")
        self.post_action("unpublish_selected", language="ar")
        self.complete.refresh_from_db()
        self.assertEqual(self.complete.status_ar, Status.UNPUBLISHED)

    def test_schedule_asks_when_then_schedules(self):
        response = self.post_action("schedule_selected", language="ar")
        self.assertContains(response, 'name="when"')
        self.assertContains(response, "عربي فقط")
        response = self.post_action("schedule_selected", language="ar", apply="1", when="2099-01-01T08:00")
        self.complete.refresh_from_db()
        self.assertEqual(self.complete.status_ar, Status.SCHEDULED)
        self.assertEqual(self.complete.scheduled_at_ar, datetime(2099, 1, 1, 7, 0, tzinfo=ZoneInfo("UTC")))
        self.assertEqual(self.complete.status_de, Status.DRAFT)

    def test_schedule_form_error_is_shown_again(self):
        response = self.post_action("schedule_selected", apply="1", when="2026-03-29T02:30")
        self.assertContains(response, "clocks change")
        self.complete.refresh_from_db()
        self.assertEqual(self.complete.status_ar, Status.DRAFT)


class ChangePageMixin:
    """An editor at the change page, and the data its form posts as it stands."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")

    def setUp(self):
        self.client.force_login(self.editor)

    def form_data(self, article, **changes):
        response = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
        form = response.context["adminform"].form
        data = {}
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            data[name] = value if not isinstance(value, list) else value
        for formset in response.context["inline_admin_formsets"]:
            management = formset.formset.management_form
            for name in management.fields:
                data[management.add_prefix(name)] = management[name].value()
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}


class ChangePageWorkflowTests(ChangePageMixin, TestCase):
    def test_panel_shows_actions_missing_and_warnings(self):
        article = make_article(teaser_de="", images=1)
        response = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
        self.assertContains(response, 'value="ar:publish"')
        self.assertContains(response, "missing: teaser")
        self.assertContains(response, "awaiting its file")
        self.assertNotContains(response, 'value="ar:unpublish"')

    def test_publish_button_saves_then_publishes(self):
        article = make_article()
        data = self.form_data(article, headline_de="Neue Schlagzeile", _workflow="de:publish")
        response = self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data, follow=True)
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Neue Schlagzeile")
        self.assertEqual(article.status_de, Status.PUBLISHED)
        self.assertContains(response, f"Published the {name('de')} version.")

    def test_refused_action_still_saves_and_says_why(self):
        article = make_article(teaser_ar="")
        data = self.form_data(article, headline_ar="عنوان جديد", _workflow="ar:publish")
        response = self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data, follow=True)
        article.refresh_from_db()
        self.assertEqual(article.headline_ar, "عنوان جديد")
        self.assertEqual(article.status_ar, Status.DRAFT)
        self.assertContains(response, f"The {name('ar')} version has no teaser.")

    def test_status_cannot_be_posted_directly(self):
        article = make_article()
        data = self.form_data(article, status_ar="published")
        self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
        article.refresh_from_db()
        self.assertEqual(article.status_ar, Status.DRAFT)

    def test_schedule_from_change_page_in_berlin_time(self):
        article = make_article()
        data = self.form_data(article, schedule_at_de="2099-12-24T18:00", _workflow="de:schedule")
        self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
        article.refresh_from_db()
        self.assertEqual(article.status_de, Status.SCHEDULED)
        self.assertEqual(article.scheduled_at_de, datetime(2099, 12, 24, 18, 0, tzinfo=BERLIN))

    def test_correction_from_change_page(self):
        article = make_article(publish=["ar"])
        data = self.form_data(article, correction_ar="تصحيح: الاسم", _workflow="ar:correct")
        self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
        self.assertEqual([c.text for c in article.corrections.filter(language="ar")], ["تصحيح: الاسم"])
        response = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
        self.assertContains(response, "تصحيح: الاسم")


class ImportPublishTests(TestCase):
    @needs_seed
    def test_import_publish_keeps_completeness_rule(self):
        call_command("import_articles", str(SEED), "--publish", stdout=StringIO(), stderr=StringIO())
        article = Article.objects.get()
        published = [code for code in ("ar", "de") if article.status_in(code) == Status.PUBLISHED]
        self.assertTrue(published)
        for code in published:
            self.assertEqual(article.missing_fields(code), [])


class ExplicitEmbargoTests(ChangePageMixin, TestCase):
    """An embargo on a live version takes its page down: the editor is told so, with the time, and confirms."""

    def embargo(self, article, when, **extra):
        local = timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")
        data = self.form_data(article, embargoed_until=local, **extra)
        return self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    def test_an_embargo_on_a_live_version_asks_for_confirmation_first(self):
        article = make_article(publish=["de"])
        when = timezone.now() + timedelta(days=1)
        response = self.embargo(article, when)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f"The {name('de')} version is live: an embargo until")
        self.assertContains(response, "takes its page off the site until then")
        self.assertContains(response, 'type="checkbox" name="confirm_takedown"')
        article.refresh_from_db()
        self.assertIsNone(article.embargoed_until)
        self.assertTrue(article.is_published("de"))
        self.embargo(article, when, confirm_takedown="on")
        article.refresh_from_db()
        self.assertIsNotNone(article.embargoed_until)
        self.assertFalse(article.is_published("de"))

    def test_no_question_for_drafts_or_an_unchanged_embargo(self):
        draft = make_article()
        self.assertEqual(self.embargo(draft, timezone.now() + timedelta(days=1)).status_code, 302)
        response = self.client.get(reverse("admin:articles_article_change", args=[draft.pk]))
        self.assertNotContains(response, 'type="checkbox" name="confirm_takedown"')

    def test_panel_and_list_say_embargoed_until_and_expires_in_the_newsrooms_time(self):
        when = datetime(2099, 7, 1, 10, 0, tzinfo=UTC)
        article = make_article(publish=["de"], embargoed_until=when, expires_at=when + timedelta(days=1))
        for url in (
            reverse("admin:articles_article_change", args=[article.pk]),
            reverse("admin:articles_article_changelist"),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, "embargoed until")
                self.assertContains(response, "12:00 CEST")  # 10:00 UTC in Berlin's summer
                self.assertContains(response, "expires")


class PublishFromThePreviewTests(ChangePageMixin, TestCase):
    def test_publish_all_languages_from_the_change_page(self):
        article = make_article()
        data = self.form_data(article, headline_ar="عنوان منقح", _workflow="all:publish")
        self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
        article.refresh_from_db()
        self.assertEqual((article.status_ar, article.status_de), (Status.PUBLISHED, Status.PUBLISHED))
        self.assertEqual(article.headline_ar, "عنوان منقح")

    def test_an_unknown_action_is_a_message_on_both_paths(self):
        article = make_article()
        for value in ("all:bogus", "de:bogus", "xx:publish"):
            with self.subTest(value=value):
                data = self.form_data(article, headline_de="Gespeichert", _workflow=value)
                change = self.client.post(
                    reverse("admin:articles_article_change", args=[article.pk]), data, follow=True
                )
                self.assertContains(change, "Choose an action.")
                workflow = reverse("admin:articles_article_workflow", args=[article.pk])
                self.assertContains(self.client.post(workflow, {"_workflow": value}, follow=True), "Choose an action.")
        article.refresh_from_db()
        self.assertEqual(article.headline_de, "Gespeichert")
        self.assertEqual((article.status_ar, article.status_de), (Status.DRAFT, Status.DRAFT))

    def test_save_and_preview_keeps_the_lock_and_opens_both_versions(self):
        article = make_article()
        data = self.form_data(article, _preview="1")
        response = self.client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
        self.assertRedirects(response, reverse("admin:articles_article_preview", args=[article.pk]))
        self.assertEqual(EditLock.holder(article).user, self.editor)
        page = self.client.get(response["Location"])
        frames = [article.get_preview_url(code) for code in ("ar", "de")]
        for frame in frames:
            self.assertContains(page, f'src="{frame}"')
        self.assertContains(page, 'value="all:publish"')
        self.assertContains(page, "/preview/")

    def test_preview_buttons_publish_and_a_refusal_is_an_error(self):
        article = make_article(teaser_ar="")
        url = reverse("admin:articles_article_workflow", args=[article.pk])
        preview = reverse("admin:articles_article_preview", args=[article.pk])
        response = self.client.post(url, {"_workflow": "all:publish", "next": preview}, follow=True)
        self.assertRedirects(response, preview)
        levels = {str(message): message.level for message in response.context["messages"]}
        article.refresh_from_db()
        self.assertEqual((article.status_ar, article.status_de), (Status.DRAFT, Status.PUBLISHED))
        self.assertEqual(levels[f"Published the {name('de')} version."], message_constants.SUCCESS)
        refusal = next(text for text in levels if "no teaser" in text)
        self.assertEqual(levels[refusal], message_constants.ERROR)

    def test_preview_workflow_needs_change_permission_and_post(self):
        article = make_article(publish=["de"])
        url = reverse("admin:articles_article_workflow", args=[article.pk])
        self.assertEqual(self.client.get(url).status_code, 405)
        reporter = make_user("reporter", "reporter")
        self.client.force_login(reporter)
        self.assertEqual(self.client.post(url, {"_workflow": "de:unpublish"}).status_code, 403)
        article.refresh_from_db()
        self.assertEqual(article.status_de, Status.PUBLISHED)

    def test_view_on_site_leads_to_the_preview_of_a_version_that_is_not_live(self):
        draft = make_article()
        live = make_article(publish=["ar", "de"])
        for article, expected in ((draft, draft.get_preview_url("ar")), (live, live.get_absolute_url("ar"))):
            with self.subTest(article=article.pk):
                response = self.client.get(reverse("admin:articles_article_change", args=[article.pk]))
                link = re.search(r'href="([^"]+)" class="viewsitelink"', response.content.decode()).group(1)
                self.assertEqual(link, expected)
