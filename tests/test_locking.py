"""Two editors on one article: stale forms are refused without losing text; the edit lock is shown and taken over."""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_user
from workflow.models import EditLock, EditPresence
from workflow.transitions import WORKFLOW


def form_data(client, article, **changes):
    form = client.get(reverse("admin:articles_article_change", args=[article.pk])).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for prefix in ("source_links", "captions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


class StaleFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.anna = make_user("anna", "editor")
        cls.omar = make_user("omar", "editor")
        cls.article = make_article()

    def test_second_save_of_a_stale_form_is_refused_and_text_kept(self):
        url = reverse("admin:articles_article_change", args=[self.article.pk])
        self.client.force_login(self.anna)
        anna_form = form_data(self.client, self.article, headline_de="Annas Schlagzeile")
        EditLock.objects.all().delete()  # Anna left the page open but her lock ran out
        self.client.force_login(self.omar)
        omar_form = form_data(self.client, self.article, headline_de="Omars Schlagzeile")
        self.assertEqual(self.client.post(url, omar_form).status_code, 302)

        self.client.force_login(self.anna)
        response = self.client.post(url, anna_form)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Someone else saved this article")
        self.assertContains(response, 'value="Annas Schlagzeile"')  # her text, still in the form
        self.assertContains(response, "Omars Schlagzeile")  # the saved text beside it
        self.assertEqual(Article.objects.get(pk=self.article.pk).headline_de, "Omars Schlagzeile")

        # After merging, the re-rendered form carries the version she has now seen, so her next save goes through.
        merged = {
            **anna_form,
            "edit_version": response.context["adminform"].form.data["edit_version"],
            "headline_de": "Gemeinsame Schlagzeile",
        }
        self.assertEqual(self.client.post(url, merged).status_code, 302)
        self.assertEqual(Article.objects.get(pk=self.article.pk).headline_de, "Gemeinsame Schlagzeile")

    def test_a_publish_in_between_also_makes_the_form_stale(self):
        url = reverse("admin:articles_article_change", args=[self.article.pk])
        self.client.force_login(self.anna)
        data = form_data(self.client, self.article, headline_ar="عنوان آخر")
        WORKFLOW.transition(Article.objects.get(pk=self.article.pk), "ar", "publish", self.omar)
        response = self.client.post(url, data)
        self.assertContains(response, "Someone else saved this article")


class EditLockTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.anna = make_user("anna", "editor")
        cls.omar = make_user("omar", "editor")
        cls.chief = make_user("chief", "chief editor")
        cls.article = make_article()

    def change_url(self):
        return reverse("admin:articles_article_change", args=[self.article.pk])

    def test_opening_the_page_takes_the_lock_and_others_see_it(self):
        self.client.force_login(self.anna)
        self.client.get(self.change_url())
        self.assertEqual(EditLock.objects.get(article=self.article).user, self.anna)
        self.client.force_login(self.omar)
        response = self.client.get(self.change_url())
        self.assertContains(response, "anna is editing this article")
        self.assertNotContains(response, "Take over the lock")  # editors may not
        self.assertEqual(EditLock.objects.get(article=self.article).user, self.anna)

    def test_saving_while_another_holds_the_lock_is_refused(self):
        self.client.force_login(self.omar)
        data = form_data(self.client, self.article, headline_de="Omar")
        EditLock.acquire(self.article, self.anna, take_over=True)
        response = self.client.post(self.change_url(), data)
        self.assertContains(response, "anna is editing this article")
        self.assertContains(response, 'value="Omar"')
        self.assertNotEqual(Article.objects.get(pk=self.article.pk).headline_de, "Omar")

    def test_stale_lock_is_free(self):
        EditLock.acquire(self.article, self.anna, now=timezone.now() - timedelta(minutes=10))
        self.client.force_login(self.omar)
        self.client.get(self.change_url())
        self.assertEqual(EditLock.objects.get(article=self.article).user, self.omar)

    def test_chief_editor_takes_over_and_it_is_logged(self):
        EditLock.acquire(self.article, self.anna)
        self.client.force_login(self.chief)
        response = self.client.get(self.change_url())
        self.assertContains(response, "Take over the lock")
        lock_url = reverse("admin:articles_article_lock", args=[self.article.pk])
        self.client.post(lock_url, {"take_over": "1"})
        self.assertEqual(EditLock.objects.get(article=self.article).user, self.chief)
        self.assertIn("anna", LogEntry.objects.filter(object_id=str(self.article.pk)).first().get_change_message())

    def test_editor_cannot_take_over(self):
        EditLock.acquire(self.article, self.anna)
        self.client.force_login(self.omar)
        response = self.client.post(reverse("admin:articles_article_lock", args=[self.article.pk]), {"take_over": "1"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(EditLock.objects.get(article=self.article).user, self.anna)

    def test_heartbeat_keeps_own_lock_and_reports_others(self):
        lock_url = reverse("admin:articles_article_lock", args=[self.article.pk])
        self.client.force_login(self.anna)
        self.assertEqual(self.client.post(lock_url).json()["mine"], True)
        self.client.force_login(self.omar)
        self.assertEqual(self.client.post(lock_url).json(), {"mine": False, "holder": "anna", "others": ["anna"]})
        self.assertEqual(self.client.get(lock_url).status_code, 405)

    def test_save_and_leave_releases_the_lock(self):
        self.client.force_login(self.anna)
        self.client.post(self.change_url(), form_data(self.client, self.article, headline_de="Fertig"))
        self.assertFalse(EditLock.objects.exists())


class PresenceTests(TestCase):
    """The change page lists everyone who has the article open, kept by each open page's heartbeat."""

    @classmethod
    def setUpTestData(cls):
        cls.anna = make_user("anna", "editor", first_name="Anna", last_name="Berg")
        cls.omar = make_user("omar", "editor")
        cls.reporter = make_user("rita", "reporter")
        cls.article = make_article(publish=["de"])

    def lock_url(self):
        return reverse("admin:articles_article_lock", args=[self.article.pk])

    def test_the_change_page_lists_who_else_has_it_open(self):
        self.client.force_login(self.anna)
        self.client.get(reverse("admin:articles_article_change", args=[self.article.pk]))
        self.client.force_login(self.omar)
        response = self.client.get(reverse("admin:articles_article_change", args=[self.article.pk]))
        self.assertEqual(response.context["also_open"], ["Anna Berg"])
        self.assertContains(response, "<bdi>Anna Berg</bdi>")

    def test_readers_without_change_permission_are_listed_but_take_no_lock(self):
        # The reporter may look at the live article but not change it.
        self.client.force_login(self.reporter)
        answer = self.client.post(self.lock_url()).json()
        self.assertEqual(answer, {"mine": False, "holder": "", "others": []})
        self.assertFalse(EditLock.objects.exists())
        self.assertEqual(EditPresence.others(self.article, self.anna), ["rita"])

    def test_leaving_and_going_quiet_take_an_editor_off_the_list(self):
        EditPresence.seen(self.article, self.anna)
        EditPresence.seen(self.article, self.reporter, now=timezone.now() - timedelta(minutes=1))
        self.assertEqual(EditPresence.others(self.article, self.omar), ["Anna Berg"])
        self.client.force_login(self.anna)
        self.assertEqual(self.client.post(self.lock_url(), {"leave": "1"}).json(), {"left": True})
        self.assertEqual(EditPresence.others(self.article, self.omar), [])

    def test_heartbeat_is_at_most_fifteen_seconds(self):
        self.client.force_login(self.anna)
        response = self.client.get(reverse("admin:articles_article_change", args=[self.article.pk]))
        self.assertLessEqual(response.context["heartbeat_seconds"], 15)
        self.assertContains(response, f'data-heartbeat-seconds="{response.context["heartbeat_seconds"]}"')
