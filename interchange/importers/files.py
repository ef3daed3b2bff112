"""
The one way import inputs are read, for the command and the admin's Import page alike: files, folders (with
`recursive`) and zips member by member, with every size limit enforced while reading, so no input makes the process
hold more than the limits allow whatever its headers claim.

Pictures an item names by relative path are read from the item's own folder or zip folder, never from outside it.
"""

import posixpath
import zipfile
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext

from .base import ParseError

PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}


@dataclass
class Input:
    """One item file to parse: its name for reports (`archive.zip:folder/item.json` for a zip member), its bytes,
    and how to read a picture it names by relative path."""

    name: str
    data: bytes
    resolve: Callable[[str], bytes | None]


def max_file_bytes():
    return settings.IMPORT_MAX_FILE_BYTES


def check_size(size, name=None, limit=None):
    """Refuse an input larger than the import limit (or `limit`), saying both sizes."""
    limit = max_file_bytes() if limit is None else limit
    if size > limit:
        raise ParseError(
            gettext("{name} is {size} bytes; the limit is {limit}").format(
                name=name or gettext("the file"), size=f"{size:,}", limit=f"{limit:,}"
            )
        )


def expand(paths, recursive=False):
    """The files to import: files as given, folders' files (sorted, hidden ones left out) only with `recursive`."""
    for path in map(Path, paths):
        if path.is_dir():
            if not recursive:
                raise ParseError(
                    gettext("{path} is a folder; use --recursive to import the files in it").format(path=path)
                )
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def read_inputs(paths, progress=None):
    """
    Each item file of `paths` (zips member by member) as an `Input`, or a `ParseError` naming the file that cannot
    be read; one unreadable file never stops the others. `progress(path)` is called after each path.
    """
    for path in map(Path, paths):
        with ExitStack() as stack:
            yield from path_inputs(path, stack)
        if progress:
            progress(path)


def path_inputs(path, stack):
    """
    The inputs of one file (a zip's members, each read whole), or the `ParseError` saying why it cannot be read. A
    zip is opened on `stack` and stays open until the caller closes it: its inputs read their pictures from it.
    """
    path = Path(path)
    name = str(path)
    try:
        if zipfile.is_zipfile(path):
            archive = stack.enter_context(zipfile.ZipFile(path))
            yield from zip_inputs(archive, name)
        else:
            check_size(path.stat().st_size)
            yield Input(name, read_file(path, settings.IMPORT_MAX_FILE_BYTES), folder_resolver(path.parent))
    except (OSError, ParseError, zipfile.BadZipFile) as error:
        reason = error.reason if isinstance(error, ParseError) else getattr(error, "strerror", None) or str(error)
        yield ParseError(reason, item=name)


def zip_inputs(archive, name):
    """The item files of a zip (pictures are read only when an item names them); refuses zip bombs."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > settings.IMPORT_MAX_ZIP_MEMBERS:
        raise ParseError(
            gettext("the zip holds {count} files; the limit is {limit}").format(
                count=f"{len(members):,}", limit=f"{settings.IMPORT_MAX_ZIP_MEMBERS:,}"
            )
        )
    total = sum(info.file_size for info in members)
    if total > settings.IMPORT_MAX_ZIP_BYTES:
        raise ParseError(
            gettext("the zip unpacks to {size} bytes; the limit is {limit}").format(
                size=f"{total:,}", limit=f"{settings.IMPORT_MAX_ZIP_BYTES:,}"
            )
        )
    # The headers' sizes may lie: the bytes actually inflated are counted too, and bound the whole zip's work.
    inflated = 0
    for info in sorted(members, key=lambda info: info.filename):
        member = PurePosixPath(info.filename)
        if member.suffix.lower() in PICTURE_SUFFIXES or member.name.startswith(".") or "__MACOSX" in member.parts:
            continue
        label = f"{name}:{info.filename}"
        if inflated > settings.IMPORT_MAX_ZIP_BYTES:
            reason = gettext("the zip unpacks to more than {limit} bytes").format(
                limit=f"{settings.IMPORT_MAX_ZIP_BYTES:,}"
            )
            yield ParseError(reason, item=label)
            continue
        try:
            data = read_member(archive, info, settings.IMPORT_MAX_FILE_BYTES)
        except ParseError as error:
            yield ParseError(error.reason, item=label)
            continue
        inflated += len(data)
        yield Input(label, data, zip_resolver(archive, info.filename))


def read_file(path, limit):
    """A file's bytes, refusing it if it holds more than `limit` (it may have grown since it was measured)."""
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    check_size(len(data), None, limit)
    return data


def read_member(archive, info, limit):
    """
    A zip member's bytes, counted as they inflate: never more than `limit` + 1 bytes are inflated, whatever the
    headers say (zipfile stops at the declared size and then fails the CRC check of a member that is longer).
    """
    check_size(info.file_size, None, limit)
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except UNREADABLE as error:
        raise ParseError(
            gettext("{member} in the zip cannot be read: {reason}").format(
                member=info.filename, reason=why_unreadable(error)
            )
        ) from None
    check_size(len(data), None, limit)
    return data


# What reading a damaged zip member raises: an encrypted member (RuntimeError), an unsupported compression method
# (NotImplementedError), a corrupt compressed stream (zlib.error, EOFError, lzma/bz2 errors are OSError or
# EOFError), a bad CRC or truncated member (BadZipFile), the file itself failing (OSError).
UNREADABLE = (RuntimeError, NotImplementedError, zlib.error, EOFError, zipfile.BadZipFile, OSError)


def why_unreadable(error):
    """A reader's reason for a zip member that cannot be read."""
    if isinstance(error, RuntimeError) and "encrypted" in str(error):
        return gettext("it is encrypted (password-protected zips cannot be imported)")
    if isinstance(error, NotImplementedError):
        return gettext("it is compressed with a method that is not supported")
    return gettext("it is damaged ({detail})").format(detail=str(error) or type(error).__name__)


def folder_resolver(folder):
    """Reads pictures an item names by relative path, never outside the item's own folder."""
    root = Path(folder).resolve()

    def resolve(relative):
        if "://" in relative:
            return None
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        check_size(target.stat().st_size, gettext("picture {name}").format(name=relative), settings.IMAGE_MAX_BYTES)
        return read_file(target, settings.IMAGE_MAX_BYTES)

    return resolve


def zip_resolver(archive, member_name):
    """Reads pictures an item in a zip names by relative path, from the zip and below the item's folder."""
    folder = PurePosixPath(member_name).parent

    def resolve(relative):
        if "://" in relative:
            return None
        wanted = posixpath.normpath(str(folder / relative))
        try:
            info = archive.getinfo(wanted)
        except KeyError:
            return None
        try:
            return read_member(archive, info, settings.IMAGE_MAX_BYTES)
        except ParseError as error:
            raise ParseError(gettext("picture {name}: {reason}").format(name=relative, reason=error.reason)) from None

    return resolve
