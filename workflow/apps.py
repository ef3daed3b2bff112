from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    """The editorial desk: states and actions of each language version, locks, revisions, corrections, schedule."""

    name = "workflow"
    verbose_name = _("Editorial workflow")
