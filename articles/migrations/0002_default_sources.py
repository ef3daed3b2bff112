"""The agencies DW's services credit, named as the Arabic and German services print them."""

from django.db import migrations

AGENCIES = [
    # code, Arabic name, German name, other spellings
    ("afp", "ا ف ب", "AFP", ["أ ف ب", "أ.ف.ب", "Agence France-Presse", "فرانس برس"]),
    ("reuters", "رويترز", "Reuters", ["rtr", "rtrs", "رويتر"]),
    ("dpa", "د ب ا", "dpa", ["د ب أ", "د.ب.أ", "Deutsche Presse-Agentur"]),
    ("ap", "أ ب", "AP", ["ا ب", "أ.ب", "Associated Press", "أسوشيتد برس"]),
    ("kna", "ك ن ا", "KNA", ["Katholische Nachrichten-Agentur"]),
    ("epd", "إ ب د", "epd", ["Evangelischer Pressedienst"]),
    ("efe", "إفي", "EFE", ["ا ف ي"]),
    ("dw", "DW", "DW", ["دويتشه فيله", "Deutsche Welle"]),
]


def add_sources(apps, schema_editor):
    Source = apps.get_model("articles", "Source")
    for code, name_ar, name_de, aliases in AGENCIES:
        Source.objects.update_or_create(
            code=code, defaults={"name": name_ar, "name_ar": name_ar, "name_de": name_de, "aliases": aliases}
        )


def remove_sources(apps, schema_editor):
    Source = apps.get_model("articles", "Source")
    Source.objects.filter(code__in=[code for code, *_rest in AGENCIES], article_links__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunPython(add_sources, remove_sources)]
