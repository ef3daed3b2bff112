"""What agency exchange keeps beside the articles: newer agency versions waiting for an editor's decision."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class PendingUpdate(models.Model):
    """
    A newer agency version of an article an editor has changed since its last import: kept here instead of
    overwriting the editor's work, until an editor applies or discards it.
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="pending_updates"
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    source_format = models.CharField(_("source format"), max_length=20)
    source_version = models.CharField(_("source version"), max_length=100, blank=True)
    file_name = models.CharField(_("file"), max_length=500, blank=True)
    payload = models.JSONField(_("incoming item"), help_text=_("The parsed item as the agency sent it."))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pending agency update")
        verbose_name_plural = _("pending agency updates")
        constraints = [models.UniqueConstraint(fields=["article", "fingerprint"], name="unique_pending_update")]

    def __str__(self):
        return gettext("Update of {article} ({language})").format(article=self.article, language=self.language)

    @property
    def headline(self):
        return self.payload.get("headline", "")
