"""
Who changed what, and by which path: every change to what readers see keeps a revision (django-reversion) and an
admin log entry, both naming the user, whether it came through the admin, an import or a scheduled job.
"""

import functools
from contextlib import nullcontext
from dataclasses import dataclass, field

import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import Field, prefetch_related_objects
from django.utils import timezone
from django.utils.encoding import force_str, is_protected_type
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from .models import new


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


def record_together(objs, user, message):
    """
    One revision holding `objs` as they are now and a log entry for each, all naming `user` with one `message`: what
    a scheduled run or a bulk action did to many articles the same way.
    """
    objs = list(dict.fromkeys(objs))
    with reversion.create_revision(atomic=False):
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(message)
        for obj in objs:
            reversion.add_to_revision(obj)
    if user is not None and user.pk:
        LogEntry.objects.log_actions(user.pk, objs, CHANGE, change_message=message)


@dataclass
class Change:
    """One change `record_each` records: the object, what the history says of it, and other objects it touched."""

    obj: object
    message: str
    action_flag: int = CHANGE
    also: list = field(default_factory=list)
    # What the caller already knows of the object's followed relations (lists of objects) and many-to-many fields
    # (lists of primary keys), by name: a new article's, say, which it has just written. The rest is fetched.
    known: dict | None = None


def record_each(changes, user, prefetch=()):
    """
    What `record` does, for many changes at once (an import file of fifty items): one revision and one log entry per
    change, each with its own message, written in three queries however many there are.

    Each revision holds the object and what its registration follows (an article's captions and source links), as
    `reversion.create_revision()` would, plus `also` (pictures an import changed). `prefetch` names the relations the
    objects' versions read (followed relations and many-to-many fields), fetched once for all of them.
    """
    changes = [change for change in changes if change.obj.pk is not None]
    if not changes:
        return []
    prefetch_related_objects([change.obj for change in changes if change.known is None], *prefetch)
    now = timezone.now()
    user = user if user is not None and user.pk else None
    revisions = Revision.objects.bulk_create(
        [new(Revision, date_created=now, user=user, comment=change.message) for change in changes]
    )
    versions = []
    for revision, change in zip(revisions, changes, strict=True):
        seen = set()
        known = change.known or {}
        for obj in [change.obj, *followed(change.obj, known), *change.also]:
            key = (type(obj), obj.pk)
            if obj.pk is None or key in seen or not reversion.is_registered(type(obj)):
                continue
            seen.add(key)
            versions.append(version_row(obj, revision, known if obj is change.obj else {}))
    insert_rows(Version, VERSION_COLUMNS, versions)
    if user is not None:
        insert_rows(
            LogEntry,
            LOG_COLUMNS,
            [
                (
                    now,
                    user.pk,
                    ContentType.objects.get_for_model(change.obj, for_concrete_model=False).pk,
                    str(change.obj.pk),
                    str(change.obj)[:200],
                    change.action_flag,
                    change.message,
                )
                for change in changes
            ],
        )
    return revisions


# django-reversion builds versions inside `create_revision()` only; `record_each` builds the same rows from the same
# registration (fields, follows, format), read through reversion's own accessor. tests/test_audit.py compares the two,
# so a reversion release that changes how it builds versions fails there rather than in a restore.
def followed(obj, known=None):
    """What the registration of `obj`'s model follows: as `known`, else read (from the prefetch cache if any)."""
    for name in _get_options(type(obj)).follow:
        if known and name in known:
            yield from known[name]
            continue
        related = getattr(obj, name, None)
        if related is None:
            continue
        if hasattr(related, "all"):
            yield from related.all()
        else:
            yield related


# The columns of a version as `version_row` gives them.
VERSION_COLUMNS = ("revision_id", "content_type_id", "object_id", "db", "format", "serialized_data", "object_repr")


def version_row(obj, revision, known=None):
    options = _get_options(type(obj))
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=options.for_concrete_model)
    return (
        revision.pk,
        content_type.pk,
        force_str(getattr(obj, options.object_id_field)),
        router.db_for_write(type(obj), instance=obj),
        options.format,
        serialize(obj, options, known),
        force_str(obj),
    )


# The columns of a log entry as `record_each` gives them.
LOG_COLUMNS = ("action_time", "user_id", "content_type_id", "object_id", "object_repr", "action_flag", "change_message")


def insert_rows(model, columns, rows):
    """
    Insert rows of `model` (tuples of the values of `columns`, as the columns hold them) whose keys nobody reads
    back: the versions and log entries of an import, five thousand and a thousand per thousand items.

    On PostgreSQL with COPY, which takes the values as they are. Django's bulk insert prepares every value on its
    own, then writes each column as one array literal that the client quotes and the server parses; for a file's
    versions, COPY took a third of that work in this process and half the time in all. Django's query log (and
    assertNumQueries) sees the statement as any other. Elsewhere by bulk_create.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.using(connection.alias).bulk_create(
            [new(model, **dict(zip(columns, row, strict=True))) for row in rows]
        )
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(column).column) for column in columns)
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor:
        logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
        with logged, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


# What `json.dumps(..., cls=DjangoJSONEncoder, ensure_ascii=False)` makes for each call, made once.
JSON = DjangoJSONEncoder(ensure_ascii=False)


def serialize(obj, options, known=None):
    """
    What `serializers.serialize(options.format, (obj,), ...)` gives, byte for byte. Django's serializer works out
    for every object which fields to write and how; `serialization_plan` does that once per model. Many-to-many
    fields are read from `known` or the prefetch cache (Django's serializer builds a query for each even when they
    are prefetched), and JSON is encoded in one go (the C encoder).
    """
    if options.format != "json" or options.use_natural_foreign_keys:
        kwargs = {"fields": options.fields, "use_natural_foreign_keys": options.use_natural_foreign_keys}
        return serializers.serialize(options.format, (obj,), **kwargs)
    label, pk_field, local, many = serialization_plan(type(obj), options)
    fields = {}
    for name, model_field, plain in local:
        # value_of(), inline: it runs for each of some seventy thousand values of an import.
        value = model_field.value_from_object(obj)
        if type(value) is not str or not plain:
            value = value if is_protected_type(value) else str(value) if plain else model_field.value_to_string(obj)
        fields[name] = value
    cache = getattr(obj, "_prefetched_objects_cache", {})
    for name in many:
        if known and name in known:
            fields[name] = list(known[name])
        elif name in cache:
            fields[name] = [related.pk for related in cache[name]]
        else:
            fields[name] = list(getattr(obj, name).values_list("pk", flat=True))
    data = {"model": label, "pk": value_of(obj, *pk_field), "fields": fields}
    return JSON.encode([data])


@functools.cache
def serialization_plan(model, options):
    """
    What Django's Python serializer writes of a `model` registered with `options`, in its order: the model's label,
    its primary key and its local fields as (field, plain), with their names, and its auto-created many-to-many
    fields' names. `plain` fields turn a value into text with `str` (Field.value_to_string).
    """
    meta = model._meta.concrete_model._meta

    def plan(field):
        return (field, type(field).value_to_string is Field.value_to_string)

    local = [
        (field.name, *plan(field))
        for field in meta.local_fields
        if field.serialize and (field.attname if field.remote_field is None else field.attname[:-3]) in options.fields
    ]
    many = [
        field.name
        for field in meta.local_many_to_many
        if field.serialize and field.attname in options.fields and field.remote_field.through._meta.auto_created
    ]
    return str(model._meta), plan(model._meta.pk), tuple(local), tuple(many)


def value_of(obj, field, plain):
    """A field's value as Django's Python serializer writes it: a primitive as it is, anything else as text."""
    value = field.value_from_object(obj)
    if is_protected_type(value):
        return value
    return str(value) if plain else field.value_to_string(obj)


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
