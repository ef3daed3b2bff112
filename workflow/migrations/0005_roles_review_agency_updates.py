"""The roles as workflow/roles.py says now: reporters also see the agency updates awaiting review."""

import importlib

from django.db import migrations

# The groups are set from workflow/roles.py as it is now, by the function that created them.
roles_migration = importlib.import_module("workflow.migrations.0002_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0004_editor_presence_and_admin_language"),
        ("interchange", "0002_feeds_and_incoming_wire"),
    ]

    operations = [migrations.RunPython(roles_migration.create_groups, migrations.RunPython.noop)]
