"""
Who changed what, and by which path: every change to what readers see keeps a revision (django-reversion) and an
admin log entry, both naming the user, whether it came through the admin, an import or a scheduled job.
"""

import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model


def record(obj, user, message, action_flag=CHANGE):
    """
    Name `user` and `message` on the revision being made and log the change in the admin's history of `obj`.

    Call it inside `reversion.create_revision()`: the revision is the record of what changed, the log entry the
    record of who did it, and both must exist or neither.
    """
    if user is not None:
        reversion.set_user(user)
    reversion.set_comment(message)
    # An unsaved user (none yet in the database) cannot be named by a log entry; the revision still keeps the comment.
    if user is not None and user.pk:
        LogEntry.objects.log_actions(user.pk, [obj], action_flag, change_message=message, single_object=True)


def system_user(username):
    """
    The account the admin's history names for what a command or cron job did; it cannot log in (inactive, with an
    unusable password), so it is a name in the history and never a way in.
    """
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
