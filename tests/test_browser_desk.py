"""
The editing desk in Chromium, as an editor uses it: a dpa item imported, translated into Arabic in the rich-text
editor, given a picture with a focal point, previewed in both languages and published, in at most eight actions
(clicks and typed fields, counted below); the editor right to left, pasting from Word, the lock taken over, the
pages at phone and desktop width, under a Content-Security-Policy that allows no inline script or style, and never a
request to another host.
"""

import json
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import reversion
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from reversion.models import Version

from articles.models import Article, Caption, Placement, Status
from interchange.models import PendingUpdate
from tests.browser import DESKTOP, PHONE, BrowserTestCase
from tests.factories import RolesSurviveFlush, make_article, make_source, make_user
from workflow.models import EditLock

pytestmark = pytest.mark.browser

DPA_ITEM = {
    "uri": "urn:newsml:dpa.com:20260312:260312-99-418203",
    "version": "3",
    "versioncreated": "2026-03-12T09:30:00+01:00",
    "firstcreated": "2026-03-12T08:00:00+01:00",
    "pubstatus": "usable",
    "language": "de",
    "headlines": [{"role": "main", "value": "Stadtwerke bauen neuen Solarpark am Rhein"}],
    "descriptions": [
        {"role": "summary", "contenttype": "text/plain", "value": "Der Park soll ab Herbst 4000 Haushalte versorgen."}
    ],
    "bodies": [
        {
            "role": "main",
            "contenttype": "text/html",
            "value": "<p>Die Stadtwerke haben mit dem Bau eines Solarparks begonnen.</p>"
            "<p>Die Anlage entsteht auf einer früheren Kiesgrube am Rheinufer.</p>",
        }
    ],
    "infosources": [{"name": "dpa"}],
}


class ActionCounter:
    """Every click and every typed field of the editor's path, counted."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator, **options):
        self.count += 1
        locator.click(**options)

    def type_into(self, locator, text):
        """One typed field: focus it and type, as a person would (key by key, Enter for a new paragraph)."""
        self.count += 1
        locator.click()
        for number, line in enumerate(text.split("\n")):
            if number:
                self.page.keyboard.press("Enter")
            self.page.keyboard.type(line)

    def choose_file(self, locator, path):
        self.count += 1
        locator.set_input_files(str(path))


class DeskBrowserTestCase(RolesSurviveFlush, BrowserTestCase):
    def logged_in_page(self, user, viewport=DESKTOP, locale="de"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page = self.open_page(viewport=viewport, locale=locale)
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": self.live_server_url}]
        )
        page.console_problems = []
        page.on("console", lambda message: message.type == "error" and page.console_problems.append(message.text))
        page.on("pageerror", lambda error: page.console_problems.append(str(error)))
        # Media files as production serves them (the test server has no media view).
        page.context.route(f"{self.live_server_url}{settings.MEDIA_URL}**", self.serve_media)
        # Every page comes with the site's Content-Security-Policy (django-csp): no inline script or style.
        page.policies = []
        page.on(
            "response",
            lambda response: (
                response.request.resource_type == "document"
                and page.policies.append(response.headers.get("content-security-policy", ""))
            ),
        )
        return page

    def serve_media(self, route):
        file = Path(settings.MEDIA_ROOT) / urlsplit(route.request.url).path.removeprefix(settings.MEDIA_URL)
        if file.is_file():
            route.fulfill(path=str(file))
        else:
            route.fulfill(status=404, body="")

    def assertNoConsoleProblems(self, page):
        self.assertEqual(page.console_problems, [], "the page reported errors (a CSP violation is one)")
        for policy in page.policies:
            self.assertIn("script-src 'self'", policy)
            self.assertNotIn("unsafe-inline", policy)

    def picture_file(self, width=1600, height=600):
        """A wide picture whose subject (a red square) stands far to the right: a centred square crop misses it."""
        picture = PILImage.new("RGB", (width, height), (40, 90, 160))
        picture.paste((220, 30, 30), (int(width * 0.8), int(height * 0.2), int(width * 0.9), int(height * 0.5)))
        path = Path(tempfile.mkdtemp()) / "solarpark.jpg"
        picture.save(path, format="JPEG")
        return path


class EditorPathTests(DeskBrowserTestCase):
    def setUp(self):
        cache.clear()
        make_source("dpa", "د ب أ", "dpa")
        self.editor = make_user("lina", "editor", first_name="Lina", last_name="Haddad")

    def test_import_translate_picture_preview_and_publish_in_eight_actions(self):
        self.walk_the_path(DESKTOP, "desktop")

    def test_the_same_path_on_a_phone(self):
        self.walk_the_path(PHONE, "phone")

    def walk_the_path(self, viewport, size):
        item = Path(tempfile.mkdtemp()) / "dpa-solarpark.json"
        item.write_text(json.dumps(DPA_ITEM, ensure_ascii=False), encoding="utf-8")
        page = self.logged_in_page(self.editor, viewport=viewport)
        actions = ActionCounter(page)
        page.goto(self.live_server_url + reverse("admin:index"))

        # 1: the dpa item, dropped on the desk, is imported as a draft and opens for editing.
        actions.choose_file(page.locator(".quick-import input[type=file]"), item)
        page.wait_for_url("**/change/")
        article = Article.objects.get(source_identifier=DPA_ITEM["uri"])
        self.assertEqual(article.status_de, Status.DRAFT)
        self.assertEqual(page.locator("#id_headline_de").input_value(), "Stadtwerke bauen neuen Solarpark am Rhein")

        # 2-4: headline, teaser and body typed in Arabic; the body in the rich-text editor, two paragraphs.
        actions.type_into(page.locator("#id_headline_ar"), "البلدية تبني حديقة شمسية جديدة على نهر الراين")
        actions.type_into(page.locator("#id_teaser_ar"), "ستزود الحديقة ٤٠٠٠ منزل بالكهرباء اعتبارا من الخريف.")
        arabic_body = page.locator(".body-editor .ProseMirror[lang=ar]")
        self.assertEqual(arabic_body.get_attribute("dir"), "rtl")
        actions.type_into(
            arabic_body, "بدأت شركة المرافق البلدية بناء حديقة للطاقة الشمسية.\nتقام المحطة في حفرة حصى سابقة."
        )
        self.screenshot(page, f"desk_path_translated_{size}")

        # 5-6: a picture dropped on the pictures section, and its subject clicked as the focal point.
        actions.choose_file(page.locator(".picture-drop input[type=file]"), self.picture_file())
        preview = page.locator(".picture-upload-preview img")
        preview.wait_for()
        box = preview.bounding_box()
        actions.click(preview, position={"x": box["width"] * 0.85, "y": box["height"] * 0.35})
        self.screenshot(page, f"desk_path_picture_{size}")

        # 7: saved and previewed: both language versions in the article page's own template.
        actions.click(page.locator("input[name=_preview]"))
        page.wait_for_url("**/preview/")
        frames = {frame.url: frame for frame in page.frames if "/preview/a-" in frame.url}
        self.assertEqual(len(frames), 2)
        for url, frame in frames.items():
            frame.wait_for_load_state()
            language = "ar" if "/ar/" in url else "de"
            self.assertEqual(frame.locator("html").get_attribute("lang"), language)
            self.assertTrue(frame.locator(".preview-banner").is_visible())
            self.assertEqual(frame.locator(".article-body p").count(), 2)
        arabic = next(frame for url, frame in frames.items() if "/ar/" in url)
        self.assertEqual(arabic.locator("h1").inner_text(), "البلدية تبني حديقة شمسية جديدة على نهر الراين")
        self.assertEqual(arabic.locator("html").get_attribute("dir"), "rtl")
        self.screenshot(page, f"desk_path_preview_{size}")

        # 8: both published from the preview.
        actions.click(page.locator("button[value='all:publish']"))
        page.wait_for_load_state()
        self.assertLessEqual(actions.count, 8)

        article.refresh_from_db()
        self.assertEqual((article.status_ar, article.status_de), (Status.PUBLISHED, Status.PUBLISHED))
        self.assertEqual(article.body_ar.count("<p>"), 2)
        caption = Caption.objects.select_related("image").get(article=article)
        self.assertEqual(caption.placement, Placement.LEAD)
        self.assertAlmostEqual(caption.image.focal_x, 0.85, delta=0.02)
        self.assertAlmostEqual(caption.image.focal_y, 0.35, delta=0.02)
        # The square teaser crop was cut around the subject, which a centred crop would have missed.
        square = max(caption.image.get_renditions("1:1"), key=lambda rendition: rendition.width)
        with square.file.open("rb") as file, PILImage.open(file) as cropped:
            colours = cropped.convert("RGB").getcolors(maxcolors=1 << 16)
        self.assertTrue(any(red > 180 and blue < 90 for _count, (red, _green, blue) in colours))
        self.screenshot(page, f"desk_path_published_{size}")
        self.assertNoConsoleProblems(page)
        self.assertNoThirdPartyRequests(page)

        response = self.client.get(article.get_absolute_url("ar"))
        self.assertEqual(response.status_code, 200)


WORD_PASTE = (
    "<html xmlns:o='urn:schemas-microsoft-com:office:office'><head><style>p.MsoNormal {margin:0}</style></head><body>"
    "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]-->"
    "<p class=MsoNormal style='font-family:Calibri'><b>Fett</b> und <span style='color:red'>rot</span><o:p></o:p></p>"
    "<p class=MsoListParagraphCxSpFirst style='mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>·"
    "<span>&nbsp;&nbsp;</span></span>Punkt eins<o:p></o:p></p>"
    "<p class=MsoListParagraphCxSpLast style='mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>·"
    "<span>&nbsp;&nbsp;</span></span>Punkt zwei<o:p></o:p></p>"
    "<script>window.pasted = true</script><img src='file:///C:/x.png'><table><tr><td>Zelle</td></tr></table>"
    "</body></html>"
)


class BodyEditorTests(DeskBrowserTestCase):
    """The rich-text editor: each language in its direction in any admin language, Word pasted clean, pictures."""

    def setUp(self):
        self.editor = make_user("lina", "editor")
        self.article = make_article(images=2)

    def change_page(self, locale="en", viewport=DESKTOP):
        page = self.logged_in_page(self.editor, viewport=viewport, locale=locale)
        page.goto(self.live_server_url + reverse("admin:articles_article_change", args=[self.article.pk]))
        page.locator(".body-editor .ProseMirror").first.wait_for()
        return page

    def test_arabic_is_typed_and_moved_through_right_to_left_in_a_german_admin(self):
        page = self.change_page(locale="de")
        editor = page.locator(".ProseMirror[lang=ar]")
        self.assertEqual(editor.evaluate("e => getComputedStyle(e).direction"), "rtl")
        self.assertEqual(page.locator(".ProseMirror[lang=de]").evaluate("e => getComputedStyle(e).direction"), "ltr")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type("هل انتهى الاجتماع؟")
        page.keyboard.press("Enter")
        page.keyboard.type("نعم")
        offset = "() => getSelection().focusOffset"
        self.assertEqual(page.evaluate(offset), 3)
        # Right to left: the right arrow goes back towards the start of the word, the left arrow forward.
        page.keyboard.press("ArrowRight")
        self.assertEqual(page.evaluate(offset), 2)
        page.keyboard.press("ArrowLeft")
        self.assertEqual(page.evaluate(offset), 3)
        # The question mark ends the sentence on its left, where Arabic ends.
        first = editor.locator("p").first
        self.assertEqual(first.inner_text(), "هل انتهى الاجتماع؟")
        mark = first.evaluate(
            """p => { const range = document.createRange(); const text = p.firstChild;
                range.setStart(text, text.length - 1); range.setEnd(text, text.length);
                return range.getBoundingClientRect().left - p.getBoundingClientRect().left; }"""
        )
        word = first.evaluate(
            """p => { const range = document.createRange(); const text = p.firstChild;
                range.setStart(text, 0); range.setEnd(text, 2);
                return range.getBoundingClientRect().left - p.getBoundingClientRect().left; }"""
        )
        self.assertLess(mark, word)
        value = page.locator("textarea[name=body_ar]").input_value()
        self.assertEqual(value, "<p>هل انتهى الاجتماع؟</p><p>نعم</p>")
        self.screenshot(page, "desk_editor_arabic_in_german_admin")
        self.assertNoConsoleProblems(page)

    def test_pasted_word_html_keeps_text_emphasis_and_lists_only(self):
        page = self.change_page()
        editor = page.locator(".ProseMirror[lang=de]")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        editor.evaluate(
            """(element, html) => {
                const data = new DataTransfer();
                data.setData("text/html", html);
                data.setData("text/plain", "Fett und rot");
                const paste = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
                element.dispatchEvent(paste);
            }""",
            WORD_PASTE,
        )
        value = page.locator("textarea[name=body_de]").input_value()
        self.assertTrue(value.startswith("<p><strong>Fett</strong> und rot</p><ul><li><p>Punkt eins</p></li>"), value)
        for leftover in ("style", "class", "mso", "o:p", "<script", "<img", "<table", "·", "pasted"):
            self.assertNotIn(leftover, value)
        self.assertIn("Zelle", value)
        self.assertIsNone(page.evaluate("() => window.pasted"))
        self.assertNoConsoleProblems(page)

    def test_a_picture_is_placed_where_the_editor_puts_it_and_the_page_shows_it_there(self):
        inline = self.article.captions.get(position=1)
        page = self.change_page()
        editor = page.locator(".ProseMirror[lang=de]")
        editor.locator("p").first.click()
        page.keyboard.press("End")
        page.locator(".body-editor:has(.ProseMirror[lang=de]) button[aria-label='Place a picture']").click()
        page.locator(".body-picture-choice", has_text="Bildunterschrift 1").click()
        self.assertEqual(editor.locator("figure.body-picture").count(), 1)
        value = page.locator("textarea[name=body_de]").input_value()
        self.assertEqual(
            value, f'<p>Erster Absatz.</p><figure data-picture="{inline.key}"></figure><p>Zweiter Absatz.</p>'
        )
        self.screenshot(page, "desk_editor_picture_placed")
        page.locator("input[name=_continue]").click()
        page.wait_for_load_state()
        self.article.refresh_from_db()
        self.assertIn(f'<figure data-picture="{inline.key}"></figure>', self.article.body_de)
        self.assertNoConsoleProblems(page)


class LockBrowserTests(DeskBrowserTestCase):
    def setUp(self):
        self.anna = make_user("anna", "editor", first_name="Anna", last_name="Berg")
        self.chief = make_user("chief", "chief editor", first_name="Karim", last_name="Saleh")
        self.article = make_article()

    def test_a_taken_over_editor_is_told_within_fifteen_seconds_and_sees_who_has_the_page_open(self):
        page = self.logged_in_page(self.anna)
        page.clock.install()
        page.goto(self.live_server_url + reverse("admin:articles_article_change", args=[self.article.pk]))
        box = page.locator("#edit-lock")
        self.assertLessEqual(int(box.get_attribute("data-heartbeat-seconds")), 15)
        self.assertFalse(page.locator(".edit-presence").is_visible())
        # The chief opens the article too, and takes the lock over.
        self.client.force_login(self.chief)
        self.client.get(reverse("admin:articles_article_change", args=[self.article.pk]))
        self.client.post(reverse("admin:articles_article_lock", args=[self.article.pk]), {"take_over": "1"})
        self.assertEqual(EditLock.holder(self.article).user, self.chief)
        page.clock.run_for(15_000)
        # The fake clock fired the heartbeat; its request itself takes real time, however busy the machine is.
        page.locator("#edit-lock.edit-lock-other").wait_for(timeout=20_000)
        self.assertIn("Karim Saleh", box.inner_text())
        self.assertIn("Karim Saleh", page.locator(".edit-presence").inner_text())
        self.screenshot(page, "desk_lock_taken_over")
        self.assertNoConsoleProblems(page)
        self.assertNoThirdPartyRequests(page)


class DeskPagesTests(DeskBrowserTestCase):
    """The desk's pages at phone and desktop width in the Arabic and the German admin: nothing overflows, overlaps
    or is clipped, names of the other direction are isolated, no error, no other host."""

    def setUp(self):
        cache.clear()
        self.editor = make_user("lina", "chief editor", first_name="Lina", last_name="Haddad")
        now = timezone.now()
        self.live = make_article(
            publish=["ar", "de"],
            images=1,
            sources=[make_source("dpa", "د ب أ", "dpa")],
            headline_de="Faktencheck: Stimmt das wirklich?",
            expires_at=now + timezone.timedelta(hours=20),
        )
        with reversion.create_revision():
            reversion.set_user(self.editor)
            self.live.body_ar = "<p>قالت الوزارة إن الاجتماع انتهى.</p><p>فقرة ثانية.</p>"
            self.live.save()
        with reversion.create_revision():
            reversion.set_user(self.editor)
            self.live.body_ar = "<p>قالت الوزارة اليوم إن الاجتماع انتهى.</p><p>فقرة ثانية.</p>"
            self.live.embargoed_until = now + timezone.timedelta(hours=3)
            self.live.save()
        self.draft = make_article(languages=["de"], headline_de="Neuer Haushalt beschlossen", status_de=Status.REVIEW)
        scheduled = make_article(headline_de="Wahlergebnis am Abend")
        for language in ("ar", "de"):
            scheduled.set_status(language, Status.SCHEDULED, scheduled_at=now + timezone.timedelta(hours=5))
        scheduled.save()
        self.pending = PendingUpdate.objects.create(
            article=self.draft,
            language="de",
            source_format="ninjs",
            source_version="4",
            fingerprint="c" * 64,
            payload={"headline": "Neuer Haushalt endgültig beschlossen", "teaser": "", "body_html": "<p>Text.</p>"},
        )

    def pages(self):
        versions = list(Version.objects.get_for_object(self.live))
        return {
            "desk": reverse("admin:index"),
            "list": reverse("admin:articles_article_changelist"),
            "change": reverse("admin:articles_article_change", args=[self.live.pk]),
            "preview": reverse("admin:articles_article_preview", args=[self.live.pk]),
            "history": reverse("admin:articles_article_history", args=[self.live.pk]),
            "compare": reverse("admin:articles_article_compare", args=[self.live.pk])
            + f"?a={versions[1].pk}&b={versions[0].pk}",
            "agency": reverse("admin:interchange_pendingupdate_change", args=[self.pending.pk]),
        }

    def check_layout(self, page, name):
        width = page.viewport_size["width"]
        overflow = page.evaluate(
            """() => [...document.querySelectorAll('#container *')].filter(e => {
                   const box = e.getBoundingClientRect();
                   return box.width && (box.right > innerWidth + 1 || box.left < -1)
                       && !e.closest('.results, .tabular, .prose-menubar, .visually-hidden');
               }).map(e => e.tagName + '.' + e.className + ' ' + (e.id || e.textContent.trim().slice(0, 40)))"""
        )
        self.assertEqual(overflow, [], f"{name} at {width}px overflows the screen")
        # Nor does a field stick out of its section (which would cut it off).
        cut = page.evaluate(
            """() => [...document.querySelectorAll('#content :is(input:not([type=hidden]), textarea, select)')]
                   .filter(field => field.offsetParent && field.closest('.module')
                       && !field.closest('.prose-editor, .results, .tabular')).filter(field => {
                       const box = field.getBoundingClientRect();
                       const section = field.closest('.module').getBoundingClientRect();
                       return box.left < section.left - 1 || box.right > section.right + 1;
                   }).map(field => field.name)"""
        )
        self.assertEqual(cut, [], f"{name} at {width}px cuts fields off")
        tools = page.locator(".object-tools").first
        for note in page.locator(".errornote").all():
            if tools.count() and tools.is_visible() and note.is_visible():
                a, b = tools.bounding_box(), note.bounding_box()
                apart = a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
                apart = apart or a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                self.assertTrue(apart, f"{name}: buttons drawn over a warning")
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('#result_list td, #result_list th')]
                   .filter(cell => cell.offsetParent && cell.scrollWidth > cell.clientWidth + 1)
                   .map(cell => cell.className)"""
        )
        self.assertEqual(clipped, [], f"{name}: clipped list columns")

    def test_desk_pages_at_phone_and_desktop_width_in_arabic_and_german(self):
        for locale in ("ar", "de"):
            for viewport, size in ((PHONE, "phone"), (DESKTOP, "desktop")):
                page = self.logged_in_page(self.editor, viewport=viewport, locale=locale)
                for name, path in self.pages().items():
                    with self.subTest(locale=locale, size=size, page=name):
                        response = page.goto(self.live_server_url + path)
                        self.assertEqual(response.status, 200)
                        page.wait_for_load_state("networkidle")
                        self.screenshot(page, f"desk_{name}_{locale}_{size}")
                        self.check_layout(page, name)
                self.assertNoConsoleProblems(page)
                self.assertNoThirdPartyRequests(page)

    def test_names_of_the_other_direction_are_isolated_and_lists_use_the_arabic_comma(self):
        page = self.logged_in_page(self.editor, locale="ar")
        page.goto(self.live_server_url + reverse("admin:articles_article_change", args=[self.live.pk]))
        self.assertEqual(page.locator("html").get_attribute("dir"), "rtl")
        self.assertIn("\u2068", page.title())
        self.assertEqual(page.locator(".breadcrumbs bdi").inner_text(), str(self.live))
        self.assertEqual(page.locator("#content h2 bdi").first.inner_text(), str(self.live))
        # The German headline inside the Arabic message keeps its question mark at its end.
        page.goto(self.live_server_url + reverse("admin:articles_article_changelist"))
        isolation = page.locator("#result_list th a").first.evaluate("a => getComputedStyle(a).unicodeBidi")
        self.assertEqual(isolation, "plaintext")

    def test_the_language_switch_sticks_to_the_editor(self):
        page = self.logged_in_page(self.editor, locale="ar")
        page.goto(self.live_server_url + reverse("admin:index"))
        self.assertEqual(page.locator("html").get_attribute("lang"), "ar")
        page.locator(".admin-language button[value=en]").click()
        page.wait_for_load_state()
        self.assertEqual(page.locator("html").get_attribute("lang"), "en")
        self.assertEqual(page.locator("#site-name").inner_text(), settings.SITE_NAME)
        # A new session (another browser) of the same editor speaks English too.
        other = self.logged_in_page(self.editor, locale="de")
        other.goto(self.live_server_url + reverse("admin:index"))
        self.assertEqual(other.locator("html").get_attribute("lang"), "en")
        self.assertEqual(other.locator("html").get_attribute("dir"), "ltr")

    def test_refused_bulk_actions_are_warnings_without_ticks_and_inlines_are_not_monospace(self):
        incomplete = make_article(languages=["de"], teaser_de="")
        page = self.logged_in_page(self.editor, locale="en")
        page.goto(self.live_server_url + reverse("admin:articles_article_changelist"))
        page.locator(f"input.action-select[value='{incomplete.pk}']").check()
        page.locator("select[name=action]").select_option("publish_selected")
        page.locator("button[name=index]").click()
        page.wait_for_load_state()
        refusal = page.locator(".messagelist li.warning")
        self.assertIn("not changed", refusal.inner_text())
        self.assertEqual(page.locator(".messagelist li.success").count(), 0)
        ticks = refusal.locator("li").evaluate_all("items => items.map(i => getComputedStyle(i).backgroundImage)")
        self.assertTrue(ticks)
        self.assertEqual(set(ticks), {"none"})
        page.goto(self.live_server_url + reverse("admin:articles_article_change", args=[self.live.pk]))
        for group in page.locator(".inline-group").all():
            self.assertNotIn("monospace", group.evaluate("g => getComputedStyle(g).fontFamily"))
        self.assertNoConsoleProblems(page)
