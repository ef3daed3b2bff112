"""The one sanitiser: what a body may contain, text typed without tags, and the markers of placed pictures."""

import re
from unittest import mock

from django.test import SimpleTestCase
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from lxml import etree
from lxml import html as lxml_html

from articles import sanitizer


class CleanHtmlTests(SimpleTestCase):
    def test_scripts_styles_and_handlers_go(self):
        cleaned = sanitizer.clean_html('<p onclick="x()">Hi<script>alert(1)</script><style>p{}</style></p>')
        self.assertEqual(cleaned, "<p>Hi</p>")

    def test_two_paragraphs_typed_without_tags_stay_two(self):
        self.assertEqual(
            sanitizer.clean_html("Erster Absatz\nzweite Zeile.\n\nZweiter Absatz."),
            "<p>Erster Absatz<br>zweite Zeile.</p><p>Zweiter Absatz.</p>",
        )
        self.assertEqual(sanitizer.clean_html("فقرة أولى.\r\n\r\nفقرة ثانية."), "<p>فقرة أولى.</p><p>فقرة ثانية.</p>")

    def test_inline_markup_at_the_top_is_gathered_into_a_paragraph(self):
        self.assertEqual(
            sanitizer.clean_html("<p>Eins</p>Zwei <b>fett</b><h2>Titel</h2>"),
            "<p>Eins</p><p>Zwei <b>fett</b></p><h2>Titel</h2>",
        )

    def test_a_body_of_blocks_is_unchanged(self):
        body = "<p>Eins</p>\n<h2>Titel</h2><ul><li>a</li></ul>"
        self.assertEqual(sanitizer.clean_html(body), body)

    def test_a_body_of_blocks_is_not_parsed_and_comes_back_as_the_parsed_check_would_leave_it(self):
        for body in SplitBlocksTests.bodies[:4]:
            with self.subTest(body=body):
                with mock.patch.object(sanitizer.lxml_html, "fragments_fromstring") as parse:
                    cleaned = sanitizer.clean_html(body)
                parse.assert_not_called()
                fragments = lxml_html.fragments_fromstring(cleaned)
                self.assertTrue(all(fragment.tag in sanitizer.BLOCK_TAGS for fragment in fragments))

    def test_picture_markers_are_kept_and_nothing_else_on_figures(self):
        cleaned = sanitizer.clean_html('<figure data-picture="k1" class="x" onclick="y"><img src="x.jpg"></figure>')
        self.assertEqual(cleaned, '<figure data-picture="k1"></figure>')


class PictureMarkerTests(SimpleTestCase):
    body = '<p>a</p><figure data-picture="k1"></figure><p>b</p><figure data-picture="k2"></figure>'

    def test_picture_keys_in_reading_order(self):
        self.assertEqual(sanitizer.picture_keys(self.body), ["k1", "k2"])
        self.assertEqual(sanitizer.picture_keys("<p>a</p>"), [])

    def test_picture_key_of_a_block(self):
        blocks = sanitizer.split_blocks(self.body)
        self.assertEqual([sanitizer.picture_key(block) for block in blocks], [None, "k1", None, "k2"])

    def test_exports_leave_the_markers_out(self):
        self.assertEqual(sanitizer.without_picture_markers(self.body), "<p>a</p><p>b</p>")


class SplitBlocksTests(SimpleTestCase):
    bodies = [
        "<p>Eins</p>\n<h2>Titel</h2>\n\n<ul><li>a</li><li><p>b</p></li></ul>",
        '<p dir="rtl">فقرة <a href="https://example.org/?a=1&amp;b=2" title="x > y">رابط</a></p><p>٢٠٢٦</p>',
        '<blockquote><p>Zitat</p><p>weiter</p></blockquote><figure data-picture="k1"></figure><p>&lt;p&gt; 3 &lt; 4',
        "<table><tbody><tr><td><p>Zelle</p></td></tr></tbody></table><h3>Ende&nbsp;</h3><h4>x</h4><ol><li>1</li></ol>",
        "<p>Erste Zeile<br>zweite</p>Text ohne Absatz<p>Schluss</p>",
        '<p><a title="</p><p>" href="https://example.org/">x</a></p>',
        "<pre>kein Block</pre><p>p</p>",
    ]

    def normalized(self, blocks):
        return [etree.tostring(lxml_html.fragment_fromstring(str(block)), encoding="unicode") for block in blocks]

    def test_blocks_cut_at_their_tags_are_the_blocks_lxml_reads(self):
        for body in map(sanitizer.clean_html, self.bodies):
            with self.subTest(body=body):
                blocks = sanitizer.split_blocks(body)
                self.assertEqual(self.normalized(blocks), self.normalized(sanitizer._parsed_blocks(body)))
                self.assertTrue(all(isinstance(block, SafeString) for block in blocks))

    def test_a_sanitized_body_is_cut_without_parsing(self):
        for body in map(sanitizer.clean_html, self.bodies):
            with self.subTest(body=body):
                self.assertEqual("".join(sanitizer._balanced_blocks(body)), re.sub(r">\s+<", "><", body))

    def test_anything_but_balanced_blocks_is_left_to_lxml(self):
        for body in ["Text <p>a</p>", "<p>a</p> Text", "<p>a", "</p><p>a</p>", "<p>a</p><b>fett</b>", "<br><p>a</p>"]:
            with self.subTest(body=body):
                self.assertIsNone(sanitizer._balanced_blocks(body))
        self.assertEqual(sanitizer.split_blocks("<p>a</p> Text"), ["<p>a</p>", "<p>Text</p>"])


class TextOfTests(SimpleTestCase):
    def test_the_text_of_a_body_with_its_entities_as_characters(self):
        body = "<p>Stra&szlig;e&nbsp;und <b>Platz</b></p>\n<p>zwei &amp; drei</p><!-- note -->"
        self.assertEqual(sanitizer.text_of(body), "Straße\xa0und Platz\nzwei & drei")

    def test_what_strip_tags_gives_for_bodies_without_entities(self):
        for body in ["<p>فقرة <b>أولى</b></p>\n<p>ثانية</p>", "<ul><li>eins</li><li>zwei</li></ul>", "<h2>Titel</h2>"]:
            with self.subTest(body=body):
                self.assertEqual(sanitizer.text_of(body), strip_tags(body))

    def test_text_without_markup_is_left_as_it_is(self):
        for text in ["", "Kurzmeldung 3 < 4", "AT&amp;T", "خبر قصير"]:
            with self.subTest(text=text):
                self.assertEqual(sanitizer.text_of(text), text)


class BodyTextTests(SimpleTestCase):
    def test_words_of_two_blocks_never_run_together(self):
        body = sanitizer.clean_html("<p>in Berlin</p><p>Die Stadt</p><ul><li>eins</li><li>zwei</li></ul><h2>Titel</h2>")
        self.assertEqual(sanitizer.body_text(body).split(), ["in", "Berlin", "Die", "Stadt", "eins", "zwei", "Titel"])
        self.assertEqual(sanitizer.body_text(sanitizer.clean_html("<p>eins<br>zwei</p>")).split(), ["eins", "zwei"])

    def test_inline_markup_and_entities_as_lxml_reads_them(self):
        for body in [
            "<p>Stra&szlig;e&nbsp;und <b>Pl</b>atz &lt;b&gt; &amp; &quot;x&quot;</p>",
            '<p dir="rtl">فقرة <a href="https://example.org/?a=1&amp;b=2" title="x > y">رابط</a>٢٠٢٦</p>',
        ]:
            with self.subTest(body=body):
                cleaned = sanitizer.clean_html(body)
                self.assertEqual(sanitizer.body_text(cleaned), sanitizer.text_of(cleaned))
