"""The roles gain the review of agency updates (workflow/roles.py): reporters see them, editors apply or discard."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from workflow.roles import ROLES


def update_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need the interchange ones now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = [permission.split(".") for permission in permissions]
        group.permissions.set(
            permission
            for permission in Permission.objects.select_related("content_type")
            if [permission.content_type.app_label, permission.codename] in wanted
        )


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0003_editor_presence_and_admin_language"),
        ("interchange", "0001_initial"),
    ]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
