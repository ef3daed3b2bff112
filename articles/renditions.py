"""
Pictures: checking uploaded files, and the pure operations that make the renditions readers are served.

The checks run before a file is stored, whether an editor uploads it or an import brings it. The operations below
take and return Pillow images (or bytes) and never touch the database; `Image.ensure_renditions()` stores them.

Memory is bounded: a picture is judged by its header (format, pixels, and the memory decoding it will take) before a
single pixel is decoded. JPEGs are decoded at the smallest scale the widest rendition allows (Pillow's draft mode: a
60-megapixel photo decodes as a quarter or less of it); other formats are decoded whole, so IMAGE_MAX_DECODED_BYTES
bounds them, and a large picture is reduced before any copy is made of it.
"""

import hashlib
import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image as PILImage

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image_file(file):
    """
    Refuse anything that is not a real, undamaged picture of sane size: format, pixels and decoding memory are judged
    from the header (decompression bombs are refused unopened), then the picture is decoded as renditions will
    decode it, so a damaged file is refused here rather than failing later.
    """
    size = getattr(file, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            gettext("The file is %(size)s bytes; pictures may have at most %(limit)s.")
            % {"size": f"{size:,}", "limit": f"{settings.IMAGE_MAX_BYTES:,}"},
            code="too_large",
        )
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(file) as picture:
                width, height = picture.size
                image_format = picture.format
                check_format(image_format)
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise ValidationError(
                        gettext("The picture has %(pixels)s pixels; at most %(limit)s are allowed.")
                        % {"pixels": f"{width * height:,}", "limit": f"{settings.IMAGE_MAX_PIXELS:,}"},
                        code="too_many_pixels",
                    )
                check_decoding_memory(picture)
                decode(picture)
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ValidationError(gettext("The picture is a decompression bomb."), code="bomb") from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken files; all mean the same to an editor
        raise ValidationError(gettext("The file is not a picture or is damaged."), code="invalid_image") from None
    finally:
        file.seek(0)
    if min(width, height) < settings.IMAGE_MIN_SIDE:
        raise ValidationError(
            gettext("The picture is %(width)s×%(height)s pixels; that is too small.")
            % {"width": width, "height": height},
            code="too_small",
        )
    return width, height


def check_format(image_format):
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            gettext("Pictures must be JPEG, PNG, WebP or GIF, not %(format)s.") % {"format": image_format},
            code="format",
        )


# Modes Pillow's reduce() works on directly; others ("P", "1", ...) are converted first, a full-size copy.
REDUCIBLE_MODES = {"L", "LA", "RGB", "RGBA", "CMYK", "I", "F"}
MEGABYTE = 1024 * 1024


# The widest rendition is made from a picture at least this much wider, so resampling still has detail to work with.
SOURCE_MARGIN = 1.5


def draft_size(picture):
    """The smallest size the widest rendition can be made from well, never more than the picture."""
    width, height = picture.size
    wanted = min(width, round(SOURCE_MARGIN * WIDTHS[-1]))
    return wanted, max(1, round(height * wanted / width))


def decoding_memory(picture):
    """Bytes that decoding `picture` for renditions takes at its peak, judged from the header without decoding."""
    if picture.format == "JPEG":
        # Draft mode only configures the decoder: the size it reports is what load() will decode.
        picture.draft(None, draft_size(picture))
    width, height = picture.size
    decoded = width * height * len(picture.getbands())
    if picture.mode not in REDUCIBLE_MODES:
        decoded += width * height * 4  # the converted copy, made before reducing
    return decoded


def check_decoding_memory(picture):
    needed = decoding_memory(picture)
    if needed > settings.IMAGE_MAX_DECODED_BYTES:
        raise ValidationError(
            gettext(
                "Processing this picture would take %(needed)s MB of memory; at most %(limit)s MB are allowed. "
                "Save it with fewer pixels, or as JPEG."
            )
            % {"needed": f"{needed / MEGABYTE:,.0f}", "limit": f"{settings.IMAGE_MAX_DECODED_BYTES / MEGABYTE:,.0f}"},
            code="too_much_memory",
        )


def decode(picture):
    """Decode `picture` in place as renditions need it: JPEGs at reduced scale (draft mode), others whole."""
    if picture.format == "JPEG":
        picture.draft(None, draft_size(picture))
    picture.load()
    return picture


# Widths cover a phone (1x and 2x), a tablet and the desktop column; browsers pick one from `srcset`.
WIDTHS = (320, 640, 960, 1280)
# Cropped renditions for teasers: a wide one for cards and a square one for small lists, cut around the focal point.
# The empty name is the picture as it is (no crop).
ORIGINAL = ""
CROPS = {"16:9": (16, 9), "1:1": (1, 1)}
CROP_WIDTHS = {"16:9": (320, 640, 960), "1:1": (160, 320)}
# The smallest rendition admin pages show as a thumbnail: the square crop, then the narrowest uncropped one.
THUMBNAIL_CROP = "1:1"
# WebP first (smaller); JPEG for the rare browser without WebP.
FORMATS = ("webp", "jpeg")
EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}
QUALITY = {"webp": 78, "jpeg": 82}


def target_widths(original_width):
    """The rendition widths for a picture `original_width` pixels wide; never upscaled, never empty."""
    widths = [width for width in WIDTHS if width < original_width]
    widths.append(min(original_width, WIDTHS[-1]))
    return sorted(set(widths))


def prepare(picture):
    """
    Upright (EXIF orientation applied) RGB copy, no wider than the renditions need; transparency is flattened onto
    white for JPEG. A large picture is reduced first, so the copies below are small.
    """
    # Read before reducing: the reduced copy does not carry the EXIF data.
    orientation = picture.getexif().get(ORIENTATION_TAG, 1)
    picture = shrink(decode(picture))
    if orientation in TRANSPOSE:
        picture = picture.transpose(TRANSPOSE[orientation])
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        picture = picture.convert("RGBA")
        background = PILImage.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        return background
    return picture if picture.mode == "RGB" else picture.convert("RGB")


ORIENTATION_TAG = 0x0112
# EXIF orientation -> the operation that makes the picture upright (as ImageOps.exif_transpose does).
TRANSPOSE = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}


def shrink(picture):
    """`picture` reduced by a whole factor (a cheap box filter) while it stays wide enough for the widest rendition."""
    factor = int(picture.width // (SOURCE_MARGIN * WIDTHS[-1]))
    if factor < 2:
        return picture
    if picture.mode not in REDUCIBLE_MODES:
        picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
    return picture.reduce(factor)


def resize_to_width(picture, width):
    """`picture` scaled to `width` pixels wide, keeping its proportions; a copy if it is not wider."""
    if width >= picture.width:
        return picture.copy()
    height = max(1, round(picture.height * width / picture.width))
    return picture.resize((width, height), PILImage.Resampling.LANCZOS)


def crop_box(size, ratio, focus=(0.5, 0.5)):
    """
    The largest box of proportions `ratio` (w, h) inside a picture of `size`, centred on the focal point `focus`
    (fractions of the width and height, 0..1) as far as the edges allow: (left, top, right, bottom).
    """
    width, height = size
    ratio_w, ratio_h = ratio
    box_w, box_h = width, round(width * ratio_h / ratio_w)
    if box_h > height:
        box_w, box_h = round(height * ratio_w / ratio_h), height
    box_w, box_h = max(1, min(box_w, width)), max(1, min(box_h, height))
    focus_x, focus_y = (min(1.0, max(0.0, float(value))) for value in focus)
    left = min(max(0, round(focus_x * width - box_w / 2)), width - box_w)
    top = min(max(0, round(focus_y * height - box_h / 2)), height - box_h)
    return (left, top, left + box_w, top + box_h)


def crop_to_ratio(picture, ratio, focus=(0.5, 0.5)):
    """`picture` cut to proportions `ratio` around the focal point `focus` (see `crop_box`)."""
    return picture.crop(crop_box(picture.size, ratio, focus))


def crop_widths(crop, cropped_width):
    """The widths to make of one crop of a picture whose cropped box is `cropped_width` wide; never upscaled."""
    widths = [width for width in CROP_WIDTHS[crop] if width < cropped_width]
    widths.append(min(cropped_width, CROP_WIDTHS[crop][-1]))
    return sorted(set(widths))


def encode(picture, image_format):
    """The bytes of `picture` encoded as `webp` or `jpeg`, without metadata."""
    buffer = io.BytesIO()
    if image_format == "jpeg":
        picture.save(buffer, format="JPEG", quality=QUALITY["jpeg"], optimize=True, progressive=True)
    elif image_format == "webp":
        picture.save(buffer, format="WEBP", quality=QUALITY["webp"], method=4)
    else:
        raise ValueError(f"unknown rendition format {image_format!r}")
    return buffer.getvalue()


def srcset(renditions):
    """The `srcset` attribute of stored renditions, narrowest first."""
    return ", ".join(f"{rendition.url} {rendition.width}w" for rendition in renditions)


def sha256_of(file):
    """The hex SHA-256 of a file's content, read in chunks; the file is left at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 16), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()
