"""The Import page predicts what importing does to each item, lets the editor choose languages, loses nothing."""

import json
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from articles.models import Article, Status
from interchange.models import WireItem

from .factories import import_files, make_user

URL = reverse("admin:interchange_import")


def ninjs(uri, language="de", teaser="Ein Vorspann.", body="<p>Ein Absatz.</p>", headline="Eine Meldung"):
    item = {
        "uri": uri,
        "version": "1",
        "versioncreated": "2025-06-01T08:00:00Z",
        "language": language,
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": body}] if body else [],
    }
    if teaser:
        item["descriptions"] = [{"role": "summary", "value": teaser}]
    return item


def upload(name, items):
    return SimpleUploadedFile(name, json.dumps(items, ensure_ascii=False).encode())


class ImportPreviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = make_user("editor", "editor")
        cls.reporter = make_user("reporter", "reporter")

    def setUp(self):
        self.client.force_login(self.editor)

    def preview(self, files, **data):
        response = self.client.post(URL, {"files": files, "format": "auto", "language": "", **data})
        self.assertEqual(response.status_code, 200)
        return response

    def test_the_preview_predicts_each_items_outcome_and_writes_nothing(self):
        path = self.make_known_items()
        before = (Article.objects.count(), WireItem.objects.count())
        files = [
            upload(
                "batch.json",
                [
                    ninjs("urn:t:new"),
                    ninjs("urn:t:no-teaser", teaser=""),
                    ninjs("urn:t:no-body", body=""),
                    ninjs("urn:t:english", language="en", headline="An English item"),
                ],
            ),
            SimpleUploadedFile(path.name, path.read_bytes()),
        ]
        response = self.preview(files, publish="on")
        outcomes = {outcome.item: outcome for outcome in response.context["summary"].outcomes}
        self.assertEqual(outcomes["urn:t:new"].status, "created")
        self.assertEqual(outcomes["urn:t:no-teaser"].status, "created")
        self.assertEqual(outcomes["urn:t:no-teaser"].draft_reason, "kept as draft: teaser missing in de")
        self.assertEqual(outcomes["urn:t:no-body"].status, "failed")
        self.assertIn("no text", outcomes["urn:t:no-body"].reason)
        self.assertEqual(outcomes["urn:t:english"].status, "wire")
        self.assertEqual(outcomes["urn:t:known"].status, "unchanged")
        self.assertEqual(outcomes["urn:t:edited"].status, "conflict")
        self.assertContains(response, "kept as draft: teaser missing in de")
        self.assertContains(response, 'name="language-3"')
        self.assertContains(response, "Import as German")
        self.assertContains(response, 'name="confirm"')
        self.assertNotRegex(response.content.decode(), r"\s--[a-z]")  # no command-line flags for editors
        self.assertEqual((Article.objects.count(), WireItem.objects.count()), before, "a preview writes nothing")

        response = self.client.post(
            URL,
            {
                "confirm": "1",
                "token": response.context["token"],
                "format": "auto",
                "publish": "on",
                "identifier-3": "urn:t:english",
                "language-3": "de",
            },
        )
        outcomes = {outcome.item: outcome for outcome in response.context["summary"].outcomes}
        self.assertEqual(outcomes["urn:t:english"].status, "created")
        self.assertEqual(Article.objects.get(source_identifier="urn:t:english").headline_de, "An English item")
        draft = Article.objects.get(source_identifier="urn:t:no-teaser")
        self.assertEqual(draft.status_in("de"), Status.DRAFT)
        self.assertTrue(Article.objects.get(source_identifier="urn:t:new").is_published("de"))
        self.assertContains(response, "kept as draft: teaser missing in de")

    def make_known_items(self):
        path = Path(tempfile.mkdtemp()) / "known.json"
        path.write_text(json.dumps([ninjs("urn:t:known"), ninjs("urn:t:edited")]), encoding="utf-8")
        import_files([path])
        edited = Article.objects.get(source_identifier="urn:t:edited")
        edited.teaser_de = "Von der Redaktion geändert."
        edited.save()
        newer = [
            ninjs("urn:t:known"),
            {**ninjs("urn:t:edited"), "version": "2", "versioncreated": "2025-06-02T08:00:00Z"},
        ]
        path.write_text(json.dumps(newer), encoding="utf-8")
        return path

    def test_import_is_offered_only_for_what_can_be_imported(self):
        response = self.preview(
            [upload("bad.json", [ninjs("urn:t:no-body", body="")]), SimpleUploadedFile("x.txt", b"\x00")]
        )
        self.assertEqual(response.context["importable"], 0)
        self.assertNotContains(response, 'name="confirm"')
        self.assertContains(response, "Nothing here can be imported")

    def test_check_again_with_a_chosen_language(self):
        response = self.preview([upload("en.json", [ninjs("urn:t:en", language="en")])])
        response = self.client.post(
            URL,
            {
                "recheck": "1",
                "token": response.context["token"],
                "format": "auto",
                "identifier-0": "urn:t:en",
                "language-0": "ar",
            },
        )
        self.assertEqual(response.context["summary"].outcomes[0].status, "created")
        self.assertContains(response, '<option value="ar" selected>', html=False)
        self.assertFalse(Article.objects.exists())
