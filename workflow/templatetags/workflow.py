"""Admin template tags for the editorial workflow."""

from django import template

from ..models import JobRun

register = template.Library()


@register.inclusion_tag("admin/workflow/_scheduler_status.html")
def scheduler_status():
    """When publish_scheduled last ran, with a warning when cron seems to have stopped."""
    run = JobRun.objects.filter(name=JobRun.SCHEDULER).first()
    return {"run": run, "is_stale": run is None or run.is_stale()}
