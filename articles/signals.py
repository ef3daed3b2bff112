"""Signals of the content core beyond Django's own save and delete signals."""

from django.dispatch import Signal

# Time alone made language versions visible (an embargo lifted, a publication time reached): no row changed, so no
# save signal says so. Sent by the scheduler with `languages_by_article` ({article id: [codes]}); the reader's page
# cache listens.
came_into_view = Signal()
