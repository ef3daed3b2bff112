"""Small factories for tests: articles, sources, categories and in-memory pictures."""

import io
import tempfile
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from PIL import Image as PILImage

from articles.audit import system_user
from articles.models import Article, ArticleSource, Caption, Category, Image, Placement, Source
from interchange import writer
from interchange.management.commands.import_articles import SYSTEM_USERNAME
from interchange.models import PendingUpdate
from workflow.roles import ROLES

# Real inputs live beside the project in ../shared and are read at run time; tests of them skip, saying so, without it.
SHARED = Path(settings.BASE_DIR).parent / "shared"
SEED = SHARED / "seed" / "000_7ca7d5de303bab1a.txt"
SAMPLES = SHARED / "samples"
needs_seed = skipUnless(SEED.exists(), f"{SEED} is absent: tests of the real seed page are skipped")
needs_samples = skipUnless(SAMPLES.is_dir(), f"{SAMPLES} is absent: tests of real agency samples are skipped")


def picture_bytes(width=64, height=48, format="JPEG", color=(200, 40, 40)):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buffer, format=format)
    return buffer.getvalue()


def picture_upload(name="picture.jpg", **kwargs):
    return SimpleUploadedFile(name, picture_bytes(**kwargs), content_type="image/jpeg")


def make_source(code="afp", name_ar="ا ف ب", name_de="AFP"):
    source, _created = Source.objects.get_or_create(code=code, defaults={"name_ar": name_ar, "name_de": name_de})
    return source


def make_category(name_ar="سياسة", name_de="Politik", **kwargs):
    return Category.objects.create(name=name_ar, name_ar=name_ar, name_de=name_de, **kwargs)


def make_image(with_file=False, **kwargs):
    kwargs.setdefault("archive_title", "Testbild Archiv")
    kwargs.setdefault("credit", "Newsroom/Test")
    image = Image(**kwargs)
    if with_file:
        image.file = picture_upload()
    image.save()
    return image


def make_article(languages=("ar", "de"), publish=(), sources=(), images=0, categories=(), **kwargs):
    """An article with text in `languages`, published in `publish`, with `images` captioned pictures."""
    texts = {
        "ar": {
            "headline": "خبر تجريبي قصير",
            "teaser": "مقدمة الخبر التجريبي.",
            "body": "<p>فقرة أولى.</p><p>فقرة ثانية.</p>",
            "initials": "ت.ج",
        },
        "de": {
            "headline": "Kurze Testmeldung",
            "teaser": "Vorspann der Testmeldung.",
            "body": "<p>Erster Absatz.</p><p>Zweiter Absatz.</p>",
            "initials": "tj",
        },
    }
    article = Article(**kwargs)
    for language in languages:
        for field, value in texts[language].items():
            name = f"{field}_{language}"
            if name not in kwargs:
                setattr(article, name, value)
    article.refresh_derived_fields()
    for language in publish:
        article.publish(language, when=timezone.now() - timezone.timedelta(minutes=5))
    article.save()
    for position, source in enumerate(sources):
        ArticleSource.objects.create(article=article, source=source, position=position)
    article.categories.add(*categories)
    for position in range(images):
        Caption.objects.create(
            article=article,
            image=make_image(archive_title=f"Bild {position}"),
            placement=Placement.LEAD if position == 0 else Placement.INLINE,
            position=position,
            paragraph=min(position, 2),
            text_ar=f"تعليق {position}",
            text_de=f"Bildunterschrift {position}",
        )
    return article


def make_pending_update(article, language="ar", fingerprint="f" * 64, file_name="", **payload):
    """An agency version held for review: a short Arabic item unless `payload` says otherwise."""
    return PendingUpdate.objects.create(
        article=article,
        language=language,
        source_format="ninjs",
        source_version=payload.get("version", "2"),
        fingerprint=fingerprint,
        file_name=file_name,
        payload={
            "identifier": "urn:x",
            "language": language,
            "headline": "عنوان الوكالة",
            "teaser": "مقدمة",
            "body_html": "<p>نص</p>",
            "format": "ninjs",
            "images": [],
            **payload,
        },
    )


def make_user(username, group=None, **kwargs):
    """A staff user, in the named role group (reporter, editor, chief editor) when given."""

    user = User.objects.create_user(username=username, password="pw-" + username, is_staff=True, **kwargs)
    if group:
        if not Group.objects.filter(name=group).exists():
            create_role_groups()  # emptied by a live-server test's flush
        user.groups.add(Group.objects.get(name=group))
    return user


class RolesSurviveFlush:
    """
    For TransactionTestCase: the role groups come from a data migration, and the flush after each such test empties
    them; this puts them back, so tests that run later (in any order) find them.
    """

    def _fixture_teardown(self):
        super()._fixture_teardown()
        create_role_groups()


def create_role_groups():
    """The groups workflow/migrations/0002_roles.py makes, made again (the permissions exist after a flush)."""
    for name, permissions in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = {tuple(permission.split(".")) for permission in permissions}
        group.permissions.set(
            permission
            for permission in Permission.objects.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        )


def as_import_command():
    """The writer's `user` and `check_permission` as `import_articles` passes them without --user."""
    return {"user": system_user(SYSTEM_USERNAME), "check_permission": False}


def import_files(paths, **options):
    """`interchange.writer.import_files` as `import_articles` runs it without --user: as its system account."""
    return writer.import_files(paths, **as_import_command(), **options)


def temporary_media():
    """`override_settings` pointing MEDIA_ROOT at a fresh temporary folder, so tests never write into media/."""

    return override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="newsroom-test-media-"))


def import_seed():
    """Import the reference page with --publish; returns the article, or None when the seed is absent."""

    if not SEED.exists():
        return None
    call_command("import_articles", str(SEED), "--publish", verbosity=0)
    return Article.objects.get(source_identifier__isnull=False)
