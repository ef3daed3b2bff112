"""
Category slugs are unique per language: two categories of one name had one slug, and their page answered neither.
Categories that share a slug now get -2, -3, ... in creation order (the first keeps it), as new ones do on save.
"""

from django.db import migrations, models

LANGUAGES = ("ar", "de")


def number_shared_slugs(apps, schema_editor):
    Category = apps.get_model("articles", "Category")
    for language in LANGUAGES:
        field = f"slug_{language}"
        length = Category._meta.get_field(field).max_length
        taken = set(Category.objects.exclude(**{field: ""}).values_list(field, flat=True))
        seen = set()
        for category in Category.objects.exclude(**{field: ""}).order_by("pk"):
            slug = getattr(category, field)
            if slug not in seen:
                seen.add(slug)
                continue
            number = 2
            while (free := f"{slug[: length - len(str(number)) - 1]}-{number}") in taken:
                number += 1
            taken.add(free)
            seen.add(free)
            Category.objects.filter(pk=category.pk).update(**{field: free})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_search_documents_keep_paragraphs_apart"),
    ]

    operations = [
        migrations.RunPython(number_shared_slugs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(
                condition=models.Q(("slug_ar", ""), _negated=True), fields=("slug_ar",), name="unique_category_slug_ar"
            ),
        ),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(
                condition=models.Q(("slug_de", ""), _negated=True), fields=("slug_de",), name="unique_category_slug_de"
            ),
        ),
    ]
