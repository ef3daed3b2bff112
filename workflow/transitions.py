"""
The editorial workflow as one table: what may happen to a language version, from which states, into which state,
with which permission, what the editor is told afterwards, and whether it needs a time or a note.

`transition()`, `available_actions()`, `due_actions()` and the schedule runner read only this table, so a new action
is one `Transition` entry (plus its permission in `Article.Meta.permissions` and the roles that get it).
"""

from dataclasses import dataclass

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import audit, languages
from articles.models import PUBLISH_PERMISSION, Article, Status
from articles.signals import came_into_view

from .models import Correction


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit for review")
    RETURN = "return", _("Return to draft")
    SCHEDULE = "schedule", _("Schedule")
    PUBLISH = "publish", _("Publish now")
    UNPUBLISH = "unpublish", _("Unpublish")
    CORRECT = "correct", _("Publish a correction")


@dataclass(frozen=True)
class Due:
    """When the schedule runner takes an action by itself: a version in `state` whose time has come."""

    state: str
    time_field: str
    per_language: bool = True  # `scheduled_at` is kept per language version, `expires_at` once per article
    fallback: str | None = None  # the action taken instead when the due one is refused (an incomplete version)

    def column(self, language):
        return languages.field(self.time_field, language) if self.per_language else self.time_field


@dataclass(frozen=True)
class Transition:
    action: models.TextChoices  # its label is the button's
    from_states: frozenset
    to_state: str
    permission: str
    done: str  # told to the editor and kept as the revision comment: %(language)s, %(when)s, %(note)s
    needs_time: bool = False  # asks when (the version waits in `to_state` until then)
    needs_note: bool = False  # asks for a note readers see under the article
    needs_complete: bool = False  # refused while the version lacks text a reader page needs
    due: Due | None = None

    @property
    def label(self):
        return self.action.label


EDITABLE = frozenset({Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED})

TRANSITIONS = [
    Transition(
        Action.SUBMIT,
        from_states=frozenset({Status.DRAFT, Status.UNPUBLISHED}),
        to_state=Status.REVIEW,
        permission="articles.submit_article",
        done=_("Submitted the %(language)s version for review."),
    ),
    Transition(
        Action.RETURN,
        from_states=frozenset({Status.REVIEW, Status.SCHEDULED}),
        to_state=Status.DRAFT,
        permission=PUBLISH_PERMISSION,
        done=_("Returned the %(language)s version to draft."),
    ),
    Transition(
        Action.SCHEDULE,
        from_states=EDITABLE | {Status.SCHEDULED},
        to_state=Status.SCHEDULED,
        permission="articles.schedule_article",
        done=_("Scheduled the %(language)s version for %(when)s."),
        needs_time=True,
        needs_complete=True,
    ),
    Transition(
        Action.PUBLISH,
        from_states=EDITABLE | {Status.SCHEDULED},
        to_state=Status.PUBLISHED,
        permission=PUBLISH_PERMISSION,
        done=_("Published the %(language)s version."),
        needs_complete=True,
        # Incomplete when its time came: back to draft, so it is fixed rather than retried every minute.
        due=Due(Status.SCHEDULED, "scheduled_at", fallback=Action.RETURN),
    ),
    Transition(
        Action.UNPUBLISH,
        from_states=frozenset({Status.PUBLISHED}),
        to_state=Status.UNPUBLISHED,
        permission=PUBLISH_PERMISSION,
        done=_("Unpublished the %(language)s version."),
        due=Due(Status.PUBLISHED, "expires_at", per_language=False),
    ),
    Transition(
        Action.CORRECT,
        from_states=frozenset({Status.PUBLISHED}),
        to_state=Status.PUBLISHED,
        permission="articles.correct_article",
        done=_("Corrected the %(language)s version: %(note)s"),
        needs_note=True,
        needs_complete=True,
    ),
]


class Workflow:
    """The rules of one transition table; `WORKFLOW` is the newsroom's."""

    def __init__(self, transitions):
        self.transitions = {transition.action: transition for transition in transitions}

    def __getitem__(self, action):
        try:
            return self.transitions[action]
        except KeyError:
            raise ValidationError(
                gettext("Unknown action “%(action)s”.") % {"action": action}, code="unknown"
            ) from None

    def available_actions(self, article, language, user):
        """The transitions `user` may take on one language version now, in the table's order."""
        status = article.status_in(language)
        return [t for t in self.transitions.values() if status in t.from_states and user.has_perm(t.permission)]

    def due_actions(self, article, now):
        """What the schedule runner must do to this article now: (language, transition) pairs."""
        actions = []
        for language in languages.CODES:
            status = article.status_in(language)
            for transition in self.transitions.values():
                due = transition.due
                if due is None or status != due.state:
                    continue
                time = getattr(article, due.column(language))
                if time is not None and time <= now:
                    actions.append((language, transition))
                    break
        return actions

    def due_articles(self, now):
        """Articles with at least one language version that has a due action."""
        condition = models.Q(pk__in=[])
        for transition in self.transitions.values():
            if transition.due is None:
                continue
            for language in languages.CODES:
                condition |= models.Q(
                    **{
                        languages.field("status", language): transition.due.state,
                        f"{transition.due.column(language)}__lte": now,
                    }
                )
        return Article.objects.filter(condition)

    def transition(self, article, language, action, user, when=None, note="", now=None, check_permission=True):
        """
        Take one action on one language version: save, keep a revision naming the user and log it; returns the
        message for the editor.

        Raises PermissionDenied when `user` may not, ValidationError when the version's state or content does not
        allow it (the message says why). The row is locked and read again first, so two editors (or an editor and
        the schedule runner) cannot both act on the state they saw.
        """
        step = self[action]
        if language not in languages.CODES:
            raise ValidationError(gettext("Unknown language “%(language)s”.") % {"language": language}, code="unknown")
        if check_permission and not user.has_perm(step.permission):
            raise PermissionDenied(gettext("You may not %(action)s articles.") % {"action": str(step.label).lower()})
        with transaction.atomic(), reversion.create_revision():
            current = Article.objects.select_for_update().get(pk=article.pk)
            message = self.apply(current, language, step, user, when=when, note=note, now=now)
        article.refresh_from_db()
        return message

    def apply(self, current, language, step, user, when=None, note="", now=None, log=True):
        """
        Take `step` on a language version of `current`, an article locked and read inside the caller's transaction
        and revision block: check, save, keep the correction note and (with `log`) record it. Returns the message for
        the editor.
        """
        now = now or timezone.now()
        note = note.strip()
        status = current.status_in(language)
        if status not in step.from_states:
            raise ValidationError(
                gettext("The %(language)s version is %(status)s; it cannot be changed that way (%(action)s).")
                % {
                    "language": languages.name(language),
                    "status": str(Status(status).label).lower(),
                    "action": str(step.label).lower(),
                },
                code="state",
            )
        if step.needs_time:
            when = self.check_time(when, now)
        if step.needs_note and not note:
            raise ValidationError(gettext("Write the correction note readers will see."), code="required")
        if step.needs_complete:
            current.check_complete(language)
        if step.action in (Action.PUBLISH, Action.SCHEDULE):
            self.check_not_expired(current, when or now)
        current.set_status(language, step.to_state, scheduled_at=when, now=now)
        current.save()
        if step.needs_note:
            Correction.objects.create(article=current, language=language, text=note, created_by=user)
        message = str(step.done) % {
            "language": languages.name(language),
            "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M %Z") if when else "",
            "note": note,
        }
        if log:
            audit.record(current, user, message)
        return message

    @staticmethod
    def check_not_expired(article, live_from):
        """An expired article would be taken down again at once: going live asks for a later expiry first."""
        if article.expires_at is not None and article.expires_at <= live_from:
            raise ValidationError(
                gettext("The article expires at %(time)s, before it would go live: set a later expiry or clear it.")
                % {"time": languages.newsroom_time(article.expires_at)},
                code="expired",
            )

    @staticmethod
    def check_time(when, now):
        if when is None:
            raise ValidationError(gettext("Choose when to publish."), code="required")
        when = when.replace(second=0, microsecond=0)  # the newsroom schedules to the minute
        if when <= now:
            raise ValidationError(gettext("The scheduled time must be in the future."), code="past")
        return when

    def run_schedule(self, now=None, user=None, dry_run=False, since=None, batch=100):
        """
        Take every due action (publish what is scheduled, unpublish what has expired), then tell the page cache
        which versions time alone made visible since `since` (lifted embargoes, publication times reached).

        Safe on several servers at once: due articles are locked with SKIP LOCKED, a batch per transaction, so a
        second run passes over what the first is handling, and each state is read inside the lock, so nothing is
        done twice. A batch is read with everything its revisions and the page cache need, and the versions that
        went the same way share one revision and one write of log entries (each article gets its entry and is in
        the revision), so each version costs little more than its own save. Returns (article, language, action,
        error) tuples.
        """
        now = now or timezone.now()
        report = []
        due = list(self.due_articles(now).values_list("pk", flat=True))
        for start in range(0, len(due), batch):
            with transaction.atomic():
                locked = (
                    Article.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk__in=due[start : start + batch])
                    .order_by("pk")
                    .prefetch_related("categories", "topics", "related", "related_from", "source_links", "captions")
                )
                done = {}  # message -> articles that went that way
                for article in locked:  # the others are held by another run
                    self.run_due(article, now, user, dry_run, report, done)
                for message, articles in done.items():
                    audit.record_together(articles, user, message)
                if dry_run:
                    transaction.set_rollback(True)
        if not dry_run and since is not None:
            shown = self.came_into_view(since, now)
            if shown:
                came_into_view.send(sender=Article, languages_by_article=shown)
        return report

    def run_due(self, article, now, user, dry_run, report, done):
        for language, step in self.due_actions(article, now):
            try:
                if not dry_run:
                    done.setdefault(self.apply(article, language, step, user, now=now, log=False), []).append(article)
                report.append((article, language, step.action, None))
            except ValidationError as error:
                report.append((article, language, step.action, " ".join(error.messages)))
                if step.due.fallback and not dry_run:
                    fallback = self[step.due.fallback]
                    message = self.apply(article, language, fallback, user, now=now, log=False)
                    done.setdefault(message, []).append(article)

    @staticmethod
    def came_into_view(since, now):
        """
        {article id: [language codes]} of versions that became visible after `since` by time alone: an embargo that
        ended, or a publication time that came, after the article's last save.
        """
        found = {}
        for code in languages.CODES:
            published_at = languages.field("published_at", code)
            lifted = models.Q(embargoed_until__gt=since) & models.Q(embargoed_until__gt=models.F("updated_at"))
            lifted |= models.Q(**{f"{published_at}__gt": since}) & models.Q(
                **{f"{published_at}__gt": models.F("updated_at")}
            )
            for pk in Article.objects.published(code, now=now).filter(lifted).values_list("pk", flat=True):
                found.setdefault(pk, []).append(code)
        return found


WORKFLOW = Workflow(TRANSITIONS)
