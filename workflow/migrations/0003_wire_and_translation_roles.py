"""The roles gain the incoming wire, feeds, topics and the translation desk (workflow/roles.py)."""

import importlib

from django.db import migrations

# The groups are set from workflow/roles.py as it is now, by the function that created them.
roles_migration = importlib.import_module("workflow.migrations.0002_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0002_roles"),
        ("articles", "0004_topics_and_translation_sources"),
        ("interchange", "0002_feeds_and_incoming_wire"),
    ]

    operations = [migrations.RunPython(roles_migration.create_groups, migrations.RunPython.noop)]
