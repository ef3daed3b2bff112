"""
What the editorial desk keeps beside the articles: corrections, edit locks, who has an article open, each editor's
admin language, and when the scheduler last ran.
"""

from datetime import timedelta

import reversion
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article


@reversion.register()
class Correction(models.Model):
    """A dated note shown under a published language version that was corrected after it went live."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="corrections"
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(_("correction"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return self.text


class EditLock(models.Model):
    """Who is editing an article now; refreshed while their change page is open, stale after LOCK_TIMEOUT."""

    LOCK_TIMEOUT = timedelta(minutes=3)

    article = models.OneToOneField(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="edit_lock", primary_key=True
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("editor"), on_delete=models.CASCADE)
    locked_at = models.DateTimeField(_("locked since"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("edit lock")
        verbose_name_plural = _("edit locks")

    def __str__(self):
        return f"{self.article} — {self.user}"

    def is_stale(self, now=None):
        return self.seen_at < (now or timezone.now()) - self.LOCK_TIMEOUT

    @property
    def holder_name(self):
        return self.user.get_full_name() or self.user.get_username()

    @classmethod
    def holder(cls, article, now=None):
        """The live lock on `article`, or None."""
        lock = cls.objects.select_related("user").filter(article=article).first()
        return None if lock is None or lock.is_stale(now) else lock

    @classmethod
    def acquire(cls, article, user, take_over=False, now=None):
        """Take or refresh the lock for `user`; returns the lock, which is someone else's if they hold it."""
        now = now or timezone.now()
        with transaction.atomic():
            lock = cls.objects.select_for_update().select_related("user").filter(article=article).first()
            if lock is not None and lock.user_id != user.pk and not lock.is_stale(now) and not take_over:
                return lock
            if lock is None:
                return cls.objects.create(article=article, user=user, locked_at=now, seen_at=now)
            if lock.user_id != user.pk:
                lock.user, lock.locked_at = user, now
            lock.seen_at = now
            lock.save()
            return lock

    @classmethod
    def release(cls, article, user):
        cls.objects.filter(article=article, user=user).delete()


class EditPresence(models.Model):
    """That an editor has an article's change page open now: refreshed by the page's heartbeat, gone when it closes."""

    # Three missed heartbeats (every 10 s) and the editor is no longer listed.
    PRESENT_FOR = timedelta(seconds=35)

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("editor"), on_delete=models.CASCADE)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("open change page")
        verbose_name_plural = _("open change pages")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="unique_edit_presence")]

    def __str__(self):
        return f"{self.article_id} — {self.user}"

    @classmethod
    def seen(cls, article, user, now=None):
        cls.objects.update_or_create(article=article, user=user, defaults={"seen_at": now or timezone.now()})

    @classmethod
    def leave(cls, article, user):
        cls.objects.filter(article=article, user=user).delete()

    @classmethod
    def others(cls, article, user, now=None):
        """The names of the other editors who have the article open now, in the order they opened it."""
        since = (now or timezone.now()) - cls.PRESENT_FOR
        present = (
            cls.objects.filter(article=article, seen_at__gte=since)
            .exclude(user=user)
            .select_related("user")
            .order_by("pk")
        )
        return [presence.user.get_full_name() or presence.user.get_username() for presence in present]


class EditorProfile(models.Model):
    """What an editor chose for themselves: the language the admin speaks to them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="editor_profile",
    )
    admin_language = models.CharField(_("admin language"), max_length=10, choices=settings.ADMIN_LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("editor profile")
        verbose_name_plural = _("editor profiles")

    def __str__(self):
        return str(self.user)


class JobRun(models.Model):
    """When a periodic job last ran and what it did, so the admin can warn when cron has stopped."""

    STALE_AFTER = timedelta(minutes=5)
    SCHEDULER = "publish_scheduled"

    name = models.CharField(_("name"), max_length=100, unique=True)
    finished_at = models.DateTimeField(_("last run"))
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self):
        return self.name

    def is_stale(self, now=None):
        return self.finished_at < (now or timezone.now()) - self.STALE_AFTER

    @classmethod
    def record(cls, name, summary=""):
        return cls.objects.update_or_create(name=name, defaults={"finished_at": timezone.now(), "summary": summary})[0]
