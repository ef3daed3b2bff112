"""
Backups (issue 12): `backup` then `restore` brings every article back in both languages into an empty database, with
what hangs on them; on PostgreSQL, pg_dump and pg_restore do the same.
"""

import gzip
import json
import os
import shutil
import subprocess
import tempfile
from io import StringIO
from pathlib import Path

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase
from django_otp.plugins.otp_totp.models import TOTPDevice
from reversion.models import Version

from articles import languages
from articles.models import Article, Caption, Rendition
from interchange.models import PendingUpdate
from tests.factories import (
    RolesSurviveFlush,
    create_role_groups,
    make_article,
    make_category,
    make_image,
    make_source,
    make_user,
)
from workflow.models import Correction, EditLock, JobRun


def snapshot():
    """What a reader, an editor and an auditor would miss if the restore lost it."""
    return {
        "articles": sorted(
            (
                article.short_code,
                *(article.text(field, code) for code in languages.CODES for field in ("headline", "body", "slug")),
                *(article.status_in(code) for code in languages.CODES),
                tuple(sorted(article.categories.values_list("slug_ar", flat=True))),
                tuple(source.code for source in article.ordered_sources()),
            )
            for article in Article.objects.all()
        ),
        "captions": sorted(Caption.objects.values_list("article__short_code", "image__archive_title", "text_de")),
        "renditions": Rendition.objects.count(),
        "corrections": sorted(Correction.objects.values_list("text", "created_by__username")),
        "pending": PendingUpdate.objects.count(),
        "versions": Version.objects.count(),
        "log": sorted(LogEntry.objects.values_list("user__username", "change_message")),
        "users": sorted(User.objects.values_list("username", "password")),
        "groups": sorted((group.name, group.permissions.count()) for group in Group.objects.all()),
        "devices": sorted(TOTPDevice.objects.values_list("user__username", "key")),
    }


def build_newsroom():
    create_role_groups()
    editor = make_user("amira", "editor")
    chief = make_user("leila", "chief editor")
    politics = make_category()
    for number in range(12):
        article = make_article(
            publish=("ar", "de") if number % 3 else ("ar",),
            sources=[make_source(), make_source("dpa", "د ب أ", "dpa")],
            categories=[politics],
            images=1 if number % 4 == 0 else 0,
        )
        article.headline_de = f"Meldung {number}"
        article.save()
    article = Article.objects.first()
    Correction.objects.create(article=article, language="de", text="Name korrigiert", created_by=chief)
    # The rows that broke `dumpdata articles` + `loaddata`: a lock naming a user, the scheduler's last run.
    EditLock.acquire(article, editor)
    JobRun.record(JobRun.SCHEDULER, "ok")
    PendingUpdate.objects.create(
        article=article, language="ar", source_format="ninjs", payload={"headline": "x"}, fingerprint="f"
    )
    LogEntry.objects.create(
        user=chief,
        content_type=ContentType.objects.get_for_model(Article),
        object_id=str(article.pk),
        object_repr=str(article),
        action_flag=CHANGE,
        change_message="Published",
    )
    Caption.objects.create(article=article, image=make_image(with_file=True, archive_title="Mit Datei"), text_de="Bild")
    TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    import reversion  # here, where the test makes a revision like the admin does

    with reversion.create_revision():
        reversion.set_user(editor)
        article.save()


class BackupRoundTripTests(RolesSurviveFlush, TransactionTestCase):
    def test_every_article_in_both_languages_comes_back_into_an_empty_database(self):
        build_newsroom()
        before = snapshot()
        self.assertEqual(len(before["articles"]), 12)
        self.assertGreater(before["renditions"], 0)
        with tempfile.TemporaryDirectory() as folder:
            backup = Path(folder) / "newsroom.json.gz"
            call_command("backup", str(backup), verbosity=0)
            with gzip.open(backup, "rt") as file:
                models = {row["model"] for row in json.load(file)}
            self.assertNotIn("workflow.editlock", models)
            self.assertIn("articles.article", models)
            call_command("flush", interactive=False, verbosity=0)  # an empty, migrated database
            self.assertFalse(Article.objects.exists())
            out = StringIO()
            call_command("restore", str(backup), stdout=out)
        self.assertEqual(snapshot(), before)
        self.assertIn("restored 12 article(s) (12 in ar, 12 in de)", out.getvalue())
        self.assertFalse(EditLock.objects.exists())
        # The restored site works: new articles get fresh ids, and a restored user logs in.
        make_article()
        self.assertTrue(User.objects.get(username="amira").check_password("pw-amira"))

    def test_restore_refuses_a_database_that_is_not_empty(self):
        make_article()
        with tempfile.TemporaryDirectory() as folder:
            backup = Path(folder) / "b.json"
            call_command("backup", str(backup), verbosity=0)
            with self.assertRaises(CommandError):
                call_command("restore", str(backup), verbosity=0)


class PgDumpTests(RolesSurviveFlush, TransactionTestCase):
    """The PostgreSQL path the README documents: pg_dump -Fc, then pg_restore into a new database."""

    def test_pg_dump_and_pg_restore_bring_every_article_back(self):
        if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
            self.skipTest("needs PostgreSQL and its client tools")
        for number in range(5):
            make_article(publish=("ar", "de"), headline_de=f"Meldung {number}")
        settings = connection.settings_dict
        target = f"{settings['NAME']}_restored"
        environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        common = ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432), "-U", settings["USER"]]
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "newsroom.dump"
            subprocess.run(["pg_dump", *common, "-Fc", "-f", str(dump), settings["NAME"]], env=environment, check=True)
            subprocess.run(["dropdb", *common, "--if-exists", target], env=environment, check=True)
            subprocess.run(["createdb", *common, target], env=environment, check=True)
            try:
                subprocess.run(
                    ["pg_restore", *common, "--no-owner", "-d", target, str(dump)], env=environment, check=True
                )
                query = "SELECT count(*) FROM articles_article WHERE headline_ar <> '' AND headline_de <> ''"
                counted = subprocess.run(
                    ["psql", *common, "-tA", "-d", target, "-c", query],
                    env=environment,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.strip()
            finally:
                subprocess.run(["dropdb", *common, "--if-exists", target], env=environment, check=True)
        self.assertEqual(counted, "5")
