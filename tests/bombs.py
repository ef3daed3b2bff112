"""
Hostile inputs for the bounded-work tests, written without ever holding their expanded size in memory: a zip whose
headers understate what its member inflates to, and a small PNG that decodes to tens of megapixels.
"""

import io
import struct
import zipfile
import zlib

CHUNK = 1 << 20


def deflated_zeros(size):
    """`size` zero bytes, raw-deflated as a zip stores them, compressed a chunk at a time; returns (data, crc)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc, left = [], 0, size
    zeros = bytes(CHUNK)
    while left:
        piece = zeros[: min(CHUNK, left)]
        crc = zlib.crc32(piece, crc)
        parts.append(compressor.compress(piece))
        left -= len(piece)
    parts.append(compressor.flush())
    return b"".join(parts), crc


def lying_zip(name="item.json", real_size=2 * 1024**3, declared_size=100):
    """A zip with one member that inflates to `real_size` bytes while both its headers say `declared_size`."""
    data, crc = deflated_zeros(real_size)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        # Write the honest member, then rewrite the sizes in its local header and central directory entry.
        archive.writestr(info, b"")
    honest = buffer.getvalue()
    local_header_end = 30 + len(name)
    local = bytearray(honest[:local_header_end])
    struct.pack_into("<IIII", local, 14, crc, len(data), declared_size, 0)
    local = bytes(local[:26]) + struct.pack("<HH", len(name), 0) + name.encode()
    central = bytearray(46 + len(name))
    struct.pack_into(
        "<IHHHHHHIIIHHHHHII",
        central,
        0,
        0x02014B50,
        20,
        20,
        0,
        zipfile.ZIP_DEFLATED,
        0,
        (2024 - 1980) << 9 | 1 << 5 | 1,
        crc,
        len(data),
        declared_size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    central[46:] = name.encode()
    offset = len(local) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), offset, 0)
    return local + data + bytes(central) + end


def png_bomb(width=7745, height=7745, channels=1):
    """
    A PNG of `width`×`height` black pixels (60 megapixels, grayscale, by default; `channels=3` for RGB) in a few
    hundred kilobytes.
    """

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = bytes(width * channels + 1)  # a filter byte, then each pixel's channels
    rows_per_piece = max(1, CHUNK // len(row))
    parts, left = [], height
    while left:
        count = min(rows_per_piece, left)
        parts.append(compressor.compress(row * count))
        left -= count
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, {1: 0, 3: 2}[channels], 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")
