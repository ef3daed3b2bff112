"""Word-level differences of article text, paragraph by paragraph."""

from django.test import SimpleTestCase

from articles import diff


def marked(segments, op):
    return [text.strip() for kind, text in segments if kind == op]


class WordDiffTests(SimpleTestCase):
    def test_an_inserted_arabic_word_is_one_insertion(self):
        row = diff.compare_words("قالت الوزارة إن الاجتماع انتهى", "قالت الوزارة اليوم إن الاجتماع انتهى")
        self.assertEqual(marked(row.after, diff.INSERT), ["اليوم"])
        self.assertEqual(marked(row.before, diff.DELETE), [])
        self.assertTrue(row.changed)

    def test_a_replaced_word_is_deleted_before_and_inserted_after(self):
        row = diff.compare_words("Der Minister sagte am Montag", "Der Minister sagte am Dienstag")
        self.assertEqual(marked(row.before, diff.DELETE), ["Montag"])
        self.assertEqual(marked(row.after, diff.INSERT), ["Dienstag"])
        self.assertEqual("".join(text for _op, text in row.after), "Der Minister sagte am Dienstag")

    def test_punctuation_is_its_own_token(self):
        row = diff.compare_words("Ende.", "Ende!")
        self.assertEqual(marked(row.after, diff.INSERT), ["!"])


class ParagraphDiffTests(SimpleTestCase):
    def test_paragraphs_line_up_and_only_the_changed_one_is_marked(self):
        old = "<p>Erster Absatz.</p><p>Zweiter Absatz.</p><p>Dritter Absatz.</p>"
        new = "<p>Erster Absatz.</p><p>Zweiter, neuer Absatz.</p><p>Dritter Absatz.</p><p>Vierter.</p>"
        rows = diff.compare_html(old, new)
        self.assertEqual([row.changed for row in rows], [False, True, False, True])
        self.assertEqual(marked(rows[1].after, diff.INSERT), [", neuer"])
        self.assertEqual(rows[3].before, [])
        self.assertEqual(rows[3].after, [(diff.INSERT, "Vierter.")])

    def test_tags_are_not_text_and_breaks_and_list_items_separate_words(self):
        self.assertEqual(
            diff.html_paragraphs(
                '<p>a<br>b <b>c</b></p><ul><li>eins</li><li>zwei</li></ul><figure data-picture="k"></figure>'
            ),
            ["a b c", "eins", "zwei", "[picture]"],
        )

    def test_plain_text_paragraphs(self):
        self.assertEqual(diff.text_paragraphs("Eins\nnoch eins\n\nZwei"), ["Eins noch eins", "Zwei"])
        self.assertEqual(diff.compare_text("", "Neu")[0].after, [(diff.INSERT, "Neu")])
