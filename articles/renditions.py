"""
Pictures: checking uploaded files, and (see below) the resized renditions readers are served.

The checks run before a file is stored, whether an editor uploads it or an import brings it.
"""
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image as PILImage

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image_file(file):
    """Refuse anything that is not a real picture of sane size; decompression bombs are refused unopened."""
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
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise ValidationError(
                        gettext("The picture has %(pixels)s pixels; at most %(limit)s are allowed.")
                        % {"pixels": f"{width * height:,}", "limit": f"{settings.IMAGE_MAX_PIXELS:,}"},
                        code="too_many_pixels",
                    )
                picture.verify()
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ValidationError(gettext("The picture is a decompression bomb."), code="bomb") from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken files; all mean the same to an editor
        raise ValidationError(gettext("The file is not a picture or is damaged."), code="invalid_image") from None
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            gettext("Pictures must be JPEG, PNG, WebP or GIF, not %(format)s.") % {"format": image_format},
            code="format",
        )
    if min(width, height) < settings.IMAGE_MIN_SIDE:
        raise ValidationError(
            gettext("The picture is %(width)s×%(height)s pixels; that is too small.") % {"width": width, "height": height},
            code="too_small",
        )
    return width, height
