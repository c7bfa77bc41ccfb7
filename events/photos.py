"""Speaker photos: decode, check and re-encode an upload before anything is stored.

An upload is trusted only after Pillow has decoded it completely. The stored files are new JPEGs
built from the decoded pixels, so nothing of the original file survives: no EXIF (GPS position,
camera serial), no ICC or XMP metadata, no trailing bytes, and not its name. The caller stores the
result (`events.services.set_speaker_photo`); this module touches neither storage nor database.
"""

import contextlib
import io
import threading
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# Pillow format names of the uploads we accept; everything else is refused before decoding.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# Decoding cost is set by pixels, not bytes: a 100 KB PNG can expand to gigabytes. 36 megapixels
# (6000 x 6000) covers every camera photo we expect and caps the decoded bitmap at ~150 MB.
MAX_PIXELS = 36_000_000
# The longest side of the stored photo and the side of the square thumbnail, in pixels.
PHOTO_MAX_SIDE = 800
THUMBNAIL_SIDE = 240
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ProcessedPhoto:
    """A checked, re-encoded photo and its thumbnail, each a JPEG under a random name."""

    photo: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def process_speaker_photo(upload: File) -> ProcessedPhoto:
    """Check an uploaded speaker photo and return clean JPEGs of it and of its thumbnail.

    Raises `ValidationError` (codes `too_large`, `too_many_pixels`, `invalid_type`, `corrupt`) with
    a message in the active language. Reads at most `SPEAKER_PHOTO_MAX_BYTES` + 1 bytes.
    """
    max_bytes = settings.SPEAKER_PHOTO_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(size, max_bytes)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)

    image = _to_rgb(_decode(data))
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = ImageOps.fit(image, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        photo=ContentFile(_encode_jpeg(image), name=_random_name()),
        thumbnail=ContentFile(_encode_jpeg(thumbnail), name=_random_name()),
        width=image.width,
        height=image.height,
    )


_strict_decoding_lock = threading.Lock()


@contextlib.contextmanager
def _strict_decoding():
    """Refuse truncated images while decoding an upload.

    WeasyPrint sets Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES = True` when it is
    imported (certificates import it), which would let a cut-off JPEG through as grey pixels.
    """
    with _strict_decoding_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode `data` as one of the accepted formats, or raise ValidationError."""
    try:
        # Pillow warns between MAX_IMAGE_PIXELS and twice that; treat the warning as the error it
        # is. Our own, lower cap is checked below from the header, before any pixel is decoded.
        with _strict_decoding(), warnings.catch_warnings(action="error", category=Image.DecompressionBombWarning):
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels()
            if image.format == "JPEG":
                # Let libjpeg decode at a reduced scale when the photo is far larger than we keep.
                image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            image.load()
            # Camera photos are stored sideways with an EXIF Orientation tag; turn the pixels
            # upright now, because the tag is about to be dropped with the rest of the metadata.
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise ValidationError(
            gettext("Upload a JPEG, PNG or WebP image. Other file types are not accepted."),
            code="invalid_type",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Truncated or damaged data: Pillow raises OSError ("image file is truncated") and, for
        # some malformed chunks, SyntaxError or ValueError.
        raise ValidationError(
            gettext("The image file is damaged or incomplete. Please export it again and upload the new file."),
            code="corrupt",
        ) from None
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white and return a plain RGB image with no metadata."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    # A fresh image carries no info dict (EXIF, ICC profile, XMP, comments) into the encoder.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


def _encode_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def _random_name() -> str:
    # Never the uploaded name: it can carry personal data and is chosen by the uploader.
    return f"{uuid.uuid4().hex}.jpg"


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(
        gettext("The photo is too large (%(size)s). The limit is %(limit)s."),
        code="too_large",
        params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        gettext(
            "The image has too many pixels to process safely. "
            "Please resize it to at most %(limit)d million pixels and upload it again."
        ),
        code="too_many_pixels",
        params={"limit": MAX_PIXELS // 1_000_000},
    )
