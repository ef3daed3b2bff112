"""The newsroom's three roles as groups with their permissions: reporter, editor, chief editor."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_source", "view_category", "view_image", "view_caption", "view_correction", "view_articlesource"]
REPORTER = [
    *VIEW, "view_article", "add_article", "change_article", "submit_article",
    "add_image", "change_image", "add_caption", "change_caption", "delete_caption",
    "add_articlesource", "change_articlesource", "delete_articlesource",
]
EDITOR = [*REPORTER, "publish_article", "schedule_article", "correct_article", "view_editlock", "view_jobrun"]
CHIEF_EDITOR = [
    *EDITOR, "delete_article", "take_over_lock", "delete_image",
    "add_source", "change_source", "delete_source", "add_category", "change_category", "delete_category",
]
GROUPS = {"reporter": REPORTER, "editor": EDITOR, "chief editor": CHIEF_EDITOR}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
