"""The article body laid out with its pictures: where the editor placed them, else after their paragraph."""

from django.test import TestCase

from articles.models import Caption, Placement
from reader import presentation
from tests.factories import make_article, make_image


def layout(article, language):
    return [
        item.image.archive_title if kind == "image" else str(item)
        for kind, item in presentation.body_sections(article, language)
    ]


class BodySectionTests(TestCase):
    def setUp(self):
        self.article = make_article(body_de="<p>Eins</p><p>Zwei</p><p>Drei</p>")
        self.placed = Caption.objects.create(
            article=self.article, image=make_image(archive_title="placed"), placement=Placement.INLINE, paragraph=0
        )
        self.agency = Caption.objects.create(
            article=self.article, image=make_image(archive_title="agency"), placement=Placement.INLINE, paragraph=1
        )

    def test_pictures_without_a_marker_stand_after_their_paragraph(self):
        self.assertEqual(layout(self.article, "de"), ["placed", "<p>Eins</p>", "agency", "<p>Zwei</p>", "<p>Drei</p>"])

    def test_a_placed_picture_stands_where_the_editor_put_it_in_that_language(self):
        self.article.body_de = f'<p>Eins</p><p>Zwei</p><figure data-picture="{self.placed.key}"></figure><p>Drei</p>'
        self.article.save()
        self.assertEqual(layout(self.article, "de"), ["<p>Eins</p>", "agency", "<p>Zwei</p>", "placed", "<p>Drei</p>"])
        # The Arabic body does not place it: there it stands after its paragraph number.
        self.assertEqual(layout(self.article, "ar")[0], "placed")

    def test_a_marker_of_another_article_or_a_lead_picture_shows_nothing(self):
        lead = Caption.objects.create(article=self.article, image=make_image(), placement=Placement.LEAD)
        other = Caption.objects.create(article=make_article(), image=make_image(), placement=Placement.INLINE)
        self.article.body_de = (
            f'<p>Eins</p><figure data-picture="{lead.key}"></figure><figure data-picture="{other.key}"></figure>'
        )
        self.article.save()
        self.assertEqual(layout(self.article, "de"), ["placed", "<p>Eins</p>", "agency"])
