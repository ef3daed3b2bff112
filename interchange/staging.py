"""
Files uploaded to the Import page wait here between the preview and the editor's confirmation.

They are kept in the "imports" storage (a private folder on disk, or a private prefix of the S3 store with
MEDIA_STORAGE=s3), under a random token, so any server can confirm a preview another one made. Previews never
confirmed expire after IMPORT_STAGING_MAX_AGE seconds: they are deleted on the next upload and by
`manage.py clean_import_staging`. At most IMPORT_MAX_CONCURRENT_PER_USER imports per editor run at once.
"""

import contextlib
import logging
import secrets
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.utils import timezone

logger = logging.getLogger(__name__)

# A slot is freed when its import ends; one whose worker died frees itself after this long.
SLOT_SECONDS = 15 * 60


class TooManyImports(Exception):
    """The editor already runs as many imports as they may at once."""


def storage():
    return storages["imports"]


def is_token(token):
    return bool(token) and len(token) == 32 and token.isalnum()


def stage(uploads):
    """Keep `uploads` under a new token (numbered in upload order) and return the token; old previews go first."""
    expire()
    token = secrets.token_hex(16)
    try:
        for number, upload in enumerate(uploads):
            storage().save(f"{token}/{number:03d}-{stored_name(upload.name, number)}", upload)
    except Exception:
        with contextlib.suppress(OSError):
            delete(token)  # no half-staged upload is left behind
        raise
    return token


# A file name may be 255 bytes on most file systems; the staged name adds "000-" and the storage may add a suffix to
# keep it unique, so longer names are shortened (keeping their extension, which tells the importers the format).
MAX_NAME_BYTES = 200


def stored_name(name, number):
    """An upload's name as staged: its last part, shortened to MAX_NAME_BYTES (UTF-8) keeping its extension."""
    name = Path(name or "").name or f"upload-{number}"
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    suffix = Path(name).suffix
    if len(suffix.encode()) > 16:
        suffix = ""
    stem = name.removesuffix(suffix).encode()[: MAX_NAME_BYTES - len(suffix.encode())]
    return stem.decode(errors="ignore") + suffix


def staged_names(token):
    if not is_token(token):
        return []
    try:
        _folders, names = storage().listdir(token)
    except FileNotFoundError:
        return []
    return sorted(f"{token}/{name}" for name in names)


@contextlib.contextmanager
def local_copies(token):
    """
    The staged files as paths on this machine, in upload order, for the importers (which read files and zips):
    the files themselves on a local disk, copies in a temporary folder (removed afterwards) from an object store.
    """
    names = staged_names(token)
    try:
        paths = [Path(storage().path(name)) for name in names]
    except NotImplementedError:
        paths = None  # an object store has no paths: copy below
    if paths is not None:
        yield paths
        return
    folder = Path(tempfile.mkdtemp(prefix="newsroom-import-"))
    try:
        copies = []
        for name in names:
            target = folder / Path(name).name
            with storage().open(name, "rb") as source, open(target, "wb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
            copies.append(target)
        yield copies
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def delete(token):
    for name in staged_names(token):
        storage().delete(name)
    with contextlib.suppress(OSError, NotImplementedError):
        storage().delete(token)  # the emptied folder on a local disk; object stores have none


def expire(now=None, max_age=None):
    """Delete previews older than `max_age` seconds (IMPORT_STAGING_MAX_AGE); returns how many were deleted."""
    max_age = settings.IMPORT_STAGING_MAX_AGE if max_age is None else max_age
    oldest_kept = (now or timezone.now()) - timedelta(seconds=max_age)
    try:
        tokens, _files = storage().listdir("")
    except FileNotFoundError:
        return 0
    deleted = 0
    for token in tokens:
        names = staged_names(token)
        if not names or all(storage().get_modified_time(name) < oldest_kept for name in names):
            delete(token)
            deleted += 1
    return deleted


def claim(token):
    """
    Whether this request may import the staged upload `token`: only the first to ask may (the claim is kept in the
    shared cache, so it holds across servers), and a double submit finds it taken.
    """
    try:
        return cache.add(f"import-claim:{token}", 1, SLOT_SECONDS)
    except Exception:  # noqa: BLE001 - a cache outage must not stop imports; the session's token is still taken
        logger.warning("import claims unavailable (cache down); import allowed", exc_info=True)
        return True


@contextlib.contextmanager
def import_slot(user):
    """
    Hold one of the editor's IMPORT_MAX_CONCURRENT_PER_USER import slots (kept in the shared cache, so the limit
    holds across servers) while the block runs; raises TooManyImports when all are taken.
    """
    limit = settings.IMPORT_MAX_CONCURRENT_PER_USER
    taken = None
    try:
        taken = next((key for key in slot_keys(user, limit) if cache.add(key, 1, SLOT_SECONDS)), None)
    except Exception:  # noqa: BLE001 - a cache outage must not stop imports; the per-request bounds still hold
        logger.warning("import slots unavailable (cache down); import allowed", exc_info=True)
        yield
        return
    if taken is None:
        raise TooManyImports
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            cache.delete(taken)


def slot_keys(user, limit):
    return [f"import-slot:{user.pk}:{number}" for number in range(limit)]
