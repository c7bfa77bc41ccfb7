import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image

from events.photos import process_speaker_photo
from events.services import remove_speaker_photo, set_speaker_photo
from tests.events.images import (
    BLUE,
    GPS_IFD_TAG,
    RED,
    bilevel_png,
    image_bytes,
    noisy_jpeg,
    sideways_jpeg_with_gps,
)
from tests.factories import SpeakerFactory

WRONG_TYPE = "Upload a JPEG, PNG or WebP image. Other file types are not accepted."
CORRUPT = "The image file is damaged or incomplete. Please export it again and upload the new file."
TOO_MANY_PIXELS = (
    "The image has too many pixels to process safely. "
    "Please resize it to at most 36 million pixels and upload it again."
)
PHOTO_NAME = re.compile(r"^speakers/[0-9a-f]{32}\.jpg$")
THUMBNAIL_NAME = re.compile(r"^speakers/thumbs/[0-9a-f]{32}\.jpg$")


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def opened(content) -> Image.Image:
    content.seek(0)
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def rejection(data: bytes, name: str = "photo.jpg") -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        process_speaker_photo(upload(data, name))
    return caught.value.code, caught.value.messages[0]


def test_process_speaker_photo_jpeg_with_exif_comes_out_upright_without_metadata():
    original = sideways_jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD_TAG)[1] == "N"  # the input has GPS

    processed = process_speaker_photo(upload(original))

    photo = opened(processed.photo)
    processed.photo.seek(0)
    raw = processed.photo.read()
    assert photo.format == "JPEG"
    assert photo.mode == "RGB"
    assert photo.size == (200, 300)  # turned upright: portrait
    assert close_to(photo.getpixel((100, 40)), RED)  # the left edge is now the top
    assert close_to(photo.getpixel((100, 260)), BLUE)
    assert dict(photo.getexif()) == {}
    assert "exif" not in photo.info
    assert "icc_profile" not in photo.info
    assert b"Exif" not in raw
    assert b"ExampleCam" not in raw


@pytest.mark.parametrize(
    ("fmt", "mode", "colour"),
    [("PNG", "RGBA", (30, 110, 120, 255)), ("PNG", "P", 5), ("WEBP", "RGB", (30, 110, 120)), ("JPEG", "L", 90)],
)
def test_process_speaker_photo_accepts_png_webp_and_jpeg(fmt, mode, colour):
    processed = process_speaker_photo(upload(image_bytes(fmt, size=(400, 300), mode=mode, colour=colour)))

    photo = opened(processed.photo)
    assert (photo.format, photo.mode, photo.size) == ("JPEG", "RGB", (400, 300))


def test_process_speaker_photo_flattens_transparency_onto_white():
    transparent = image_bytes("PNG", size=(100, 100), mode="RGBA", colour=(0, 0, 0, 0))

    photo = opened(process_speaker_photo(upload(transparent, "logo.png")).photo)

    assert close_to(photo.getpixel((50, 50)), (255, 255, 255), tolerance=3)


def test_process_speaker_photo_downscales_to_800_and_makes_a_square_thumbnail():
    processed = process_speaker_photo(upload(image_bytes("JPEG", size=(1600, 1200))))

    assert opened(processed.photo).size == (800, 600)
    assert opened(processed.thumbnail).size == (240, 240)
    assert (processed.width, processed.height) == (800, 600)


def test_process_speaker_photo_keeps_small_photos_at_their_size():
    processed = process_speaker_photo(upload(image_bytes("PNG", size=(120, 90))))

    assert opened(processed.photo).size == (120, 90)
    assert opened(processed.thumbnail).size == (240, 240)


def test_process_speaker_photo_rejects_gif():
    assert rejection(image_bytes("GIF"), "photo.gif") == ("invalid_type", WRONG_TYPE)


def test_process_speaker_photo_rejects_a_text_file_named_jpg():
    assert rejection(b"Dear organisers, please find my photo attached.\n", "photo.jpg") == ("invalid_type", WRONG_TYPE)


def test_process_speaker_photo_rejects_an_empty_file():
    assert rejection(b"") == ("invalid_type", WRONG_TYPE)


def test_process_speaker_photo_rejects_a_truncated_jpeg():
    data = noisy_jpeg()

    assert rejection(data[: len(data) // 2]) == ("corrupt", CORRUPT)


def test_process_speaker_photo_rejects_a_truncated_jpeg_after_weasyprint_was_imported():
    import weasyprint  # noqa: F401 (its import relaxes Pillow globally; the photo check must not)

    data = noisy_jpeg()

    assert rejection(data[: len(data) // 2]) == ("corrupt", CORRUPT)


def test_process_speaker_photo_rejects_a_file_over_the_byte_limit(settings):
    settings.SPEAKER_PHOTO_MAX_BYTES = 1024
    data = noisy_jpeg(size=(100, 100))
    assert len(data) > 1024

    assert rejection(data) == (
        "too_large",
        f"The photo is too large ({filesizeformat(len(data))}). The limit is 1.0\xa0KB.",
    )


def test_process_speaker_photo_rejects_more_pixels_than_our_cap():
    # 7000 x 7000 = 49 megapixels: above our cap, below Pillow's own bomb warning (89 MP).
    data = bilevel_png((7000, 7000))
    assert len(data) < 100_000

    assert rejection(data, "photo.png") == ("too_many_pixels", TOO_MANY_PIXELS)


def test_process_speaker_photo_rejects_a_decompression_bomb():
    # 12000 x 12000 = 144 megapixels in a few kilobytes: Pillow's bomb warning fires on open.
    data = bilevel_png((12000, 12000))
    assert len(data) < 100_000

    assert rejection(data, "photo.png") == ("too_many_pixels", TOO_MANY_PIXELS)


def test_process_speaker_photo_uses_random_names_not_the_upload_name():
    first = process_speaker_photo(upload(image_bytes("JPEG"), "jane-doe-passport-scan.jpg"))
    second = process_speaker_photo(upload(image_bytes("JPEG"), "jane-doe-passport-scan.jpg"))

    names = {first.photo.name, first.thumbnail.name, second.photo.name, second.thumbnail.name}
    assert len(names) == 4
    assert all(re.fullmatch(r"[0-9a-f]{32}\.jpg", name) for name in names)


@pytest.mark.django_db
def test_set_speaker_photo_stores_both_files_under_random_names():
    speaker = SpeakerFactory()

    set_speaker_photo(speaker=speaker, upload=upload(sideways_jpeg_with_gps(), "jane-doe.jpg"))

    speaker.refresh_from_db()
    assert PHOTO_NAME.fullmatch(speaker.photo.name)
    assert THUMBNAIL_NAME.fullmatch(speaker.photo_thumbnail.name)
    assert "jane" not in speaker.photo.name + speaker.photo_thumbnail.name
    assert speaker.photo.storage.exists(speaker.photo.name)
    with speaker.photo_thumbnail.open("rb") as thumbnail:
        assert Image.open(thumbnail).size == (240, 240)


@pytest.mark.django_db
def test_set_speaker_photo_deletes_the_replaced_files_after_commit(django_capture_on_commit_callbacks):
    speaker = SpeakerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        set_speaker_photo(speaker=speaker, upload=upload(image_bytes("JPEG")))
    old_names = [speaker.photo.name, speaker.photo_thumbnail.name]
    storage = speaker.photo.storage

    with django_capture_on_commit_callbacks(execute=True):
        set_speaker_photo(speaker=speaker, upload=upload(image_bytes("PNG"), "new.png"))

    assert [storage.exists(name) for name in old_names] == [False, False]
    assert storage.exists(speaker.photo.name)
    assert storage.exists(speaker.photo_thumbnail.name)


@pytest.mark.django_db
def test_set_speaker_photo_with_a_bad_file_changes_nothing(django_capture_on_commit_callbacks):
    speaker = SpeakerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        set_speaker_photo(speaker=speaker, upload=upload(image_bytes("JPEG")))
    before = (speaker.photo.name, speaker.photo_thumbnail.name)

    with pytest.raises(ValidationError):
        set_speaker_photo(speaker=speaker, upload=upload(image_bytes("GIF"), "x.gif"))

    speaker.refresh_from_db()
    assert (speaker.photo.name, speaker.photo_thumbnail.name) == before
    assert speaker.photo.storage.exists(before[0])


@pytest.mark.django_db
def test_remove_speaker_photo_clears_fields_and_files(django_capture_on_commit_callbacks):
    speaker = SpeakerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        set_speaker_photo(speaker=speaker, upload=upload(image_bytes("JPEG")))
    names = [speaker.photo.name, speaker.photo_thumbnail.name]
    storage = speaker.photo.storage

    with django_capture_on_commit_callbacks(execute=True):
        remove_speaker_photo(speaker=speaker)

    speaker.refresh_from_db()
    assert (speaker.photo.name, speaker.photo_thumbnail.name) == ("", "")
    assert [storage.exists(name) for name in names] == [False, False]
