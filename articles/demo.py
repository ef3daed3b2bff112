"""
Demo content for a fresh installation: a few short, neutral bilingual items written for this project.

Loaded by `make run` through the `load_demo_content` command; running it again changes nothing.
"""

import io

import reversion
from django.contrib.admin.models import ADDITION
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image as PILImage
from PIL import ImageDraw

from . import audit, languages
from .models import Article, ArticleSource, Caption, Category, Image, Placement, Source, localized

# The account the history names for the demo content.
SYSTEM_USERNAME = "load_demo_content"

# The demo is written in the newsroom's two languages; a language without demo text is left empty.
CATEGORIES = [
    {"ar": "ثقافة", "de": "Kultur"},
    {"ar": "علوم", "de": "Wissenschaft"},
    {"ar": "مجتمع", "de": "Gesellschaft"},
]

ARTICLES = [
    {
        "key": "demo:library",
        "short_code": "DEMO1",
        "category": "Kultur",
        "sources": ["dpa", "afp"],
        "ar": {
            "headline": "مكتبة المدينة تمدد ساعات العمل في الشتاء",
            "teaser": "تفتح المكتبة العامة أبوابها حتى العاشرة مساء طوال أشهر الشتاء.",
            "body": [
                "قررت إدارة المكتبة العامة تمديد ساعات العمل اعتبارا من الأول من ديسمبر.",
                "وقالت المديرة إن عدد الزوار ارتفع خلال العام الماضي، خاصة بين الطلاب.",
                "وتضم المكتبة قاعة جديدة للقراءة الهادئة وركنا لكتب الأطفال.",
            ],
            "initials": "ع.م/س.ك",
            "caption": "قاعة القراءة الجديدة في المكتبة العامة.",
            "alt": "رفوف كتب في قاعة قراءة مضيئة",
        },
        "de": {
            "headline": "Stadtbibliothek verlängert im Winter die Öffnungszeiten",
            "teaser": "Die öffentliche Bibliothek bleibt in den Wintermonaten bis 22 Uhr geöffnet.",
            "body": [
                "Die Leitung der Stadtbibliothek verlängert die Öffnungszeiten ab dem 1. Dezember.",
                "Die Zahl der Besucher sei im vergangenen Jahr gestiegen, vor allem unter Studierenden, "
                "sagte die Leiterin.",
                "Die Bibliothek hat einen neuen Lesesaal und eine Ecke für Kinderbücher.",
            ],
            "initials": "am/sk",
            "caption": "Der neue Lesesaal der Stadtbibliothek.",
            "alt": "Bücherregale in einem hellen Lesesaal",
        },
        "image": {"title": "Bibliothek Lesesaal Demo", "credit": "Newsroom Demo/Grafik", "color": (46, 94, 140)},
    },
    {
        "key": "demo:observatory",
        "short_code": "DEMO2",
        "category": "Wissenschaft",
        "sources": ["reuters"],
        "ar": {
            "headline": "مرصد جامعي يفتح أبوابه لهواة الفلك",
            "teaser": "يستقبل المرصد الزوار مرة كل شهر لمراقبة القمر والكواكب.",
            "body": [
                "أعلنت الجامعة أن مرصدها سيستقبل الجمهور في أول سبت من كل شهر.",
                "ويشرح طلاب قسم الفيزياء للزوار كيفية استخدام التلسكوب.",
            ],
            "initials": "ر.ن",
            "caption": "قبة المرصد الجامعي مساء.",
            "alt": "قبة مرصد بيضاء تحت سماء زرقاء داكنة",
        },
        "de": {
            "headline": "Universitätssternwarte öffnet für Hobby-Astronomen",
            "teaser": "Einmal im Monat können Besucher Mond und Planeten beobachten.",
            "body": [
                "Die Universität öffnet ihre Sternwarte an jedem ersten Samstag im Monat für die Öffentlichkeit.",
                "Studierende der Physik erklären den Gästen, wie das Teleskop funktioniert.",
            ],
            "initials": "rn",
            "caption": "Die Kuppel der Universitätssternwarte am Abend.",
            "alt": "Weiße Sternwartenkuppel unter dunkelblauem Himmel",
        },
        "image": {"title": "Sternwarte Kuppel Abend Demo", "credit": "Newsroom Demo/Grafik", "color": (20, 30, 70)},
    },
    {
        "key": "demo:market",
        "short_code": "DEMO3",
        "category": "Gesellschaft",
        "sources": ["ap"],
        "ar": {
            "headline": "سوق المزارعين يعود إلى ساحة المدينة",
            "teaser": "بعد أعمال الترميم، يعود السوق الأسبوعي إلى مكانه المعتاد.",
            "body": [
                "يعود سوق المزارعين كل يوم خميس إلى الساحة الرئيسية بعد انتهاء أعمال الترميم.",
                "ويعرض نحو ثلاثين بائعا الخضار والفاكهة والخبز من المنطقة.",
            ],
            "initials": "م.ح",
            "caption": "",
            "alt": "",
        },
        "de": None,  # only in Arabic so far: shows a missing German version in the admin
        "image": None,
    },
]


def make_picture(color, label):
    """A plain picture drawn with Pillow, so the demo has real files without shipping any."""
    picture = PILImage.new("RGB", (1600, 900), color)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((80, 80, 1520, 820), outline=(255, 255, 255), width=6)
    draw.text((120, 120), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def load():
    """Create the demo categories and articles; returns how many articles were created."""
    user = audit.system_user(SYSTEM_USERNAME)
    categories, changed = {}, []
    for names in CATEGORIES:
        category = Category.objects.filter(name_de=names["de"]).first() or Category(name=names["ar"])
        values = {localized("name", code): names.get(code, "") for code in languages.CODES}
        if category.pk is None or any(getattr(category, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(category, name, value)
            category.save()
            changed.append(category)
        categories[names["de"]] = category
    if changed:
        audit.record_together(changed, user, gettext("Demo content: categories."))
    created = 0
    for spec in ARTICLES:
        if Article.objects.filter(source_identifier=spec["key"]).exists():
            continue
        # Demo articles go live as any other: with a revision and a history entry naming who published them.
        with transaction.atomic(), reversion.create_revision():
            article = create_article(spec, categories)
            audit.record(article, user, gettext("Created and published as demo content."), ADDITION)
        created += 1
    return created


def create_article(spec, categories):
    article = Article(source_identifier=spec["key"], short_code=spec["short_code"], source_format="demo")
    now = timezone.now()
    written = [code for code in languages.CODES if spec.get(code)]
    for language in written:
        text = spec[language]
        setattr(article, localized("headline", language), text["headline"])
        setattr(article, localized("teaser", language), text["teaser"])
        setattr(article, localized("body", language), "".join(f"<p>{paragraph}</p>" for paragraph in text["body"]))
        setattr(article, localized("initials", language), text["initials"])
        article.refresh_derived_fields()
        article.publish(language, when=now)
    article.save()
    article.categories.add(categories[spec["category"]])
    for position, code in enumerate(spec["sources"]):
        ArticleSource.objects.create(article=article, source=Source.objects.get(code=code), position=position)
    if spec["image"]:
        image = Image(archive_title=spec["image"]["title"], credit=spec["image"]["credit"])
        for language in written:
            setattr(image, localized("alt_text", language), spec[language]["alt"])
        # Assigned, not saved through the field, so Image.save sees a new file and makes its renditions.
        image.file = ContentFile(
            make_picture(spec["image"]["color"], spec["image"]["title"]), name=f"{spec['short_code'].lower()}.jpg"
        )
        image.save()
        caption = Caption(article=article, image=image, placement=Placement.LEAD)
        for language in written:
            setattr(caption, localized("text", language), spec[language]["caption"])
        caption.save()
    return article
