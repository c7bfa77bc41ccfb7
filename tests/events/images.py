"""Real image files for the photo tests, generated with Pillow."""

import io

from PIL import Image

ORIENTATION_TAG = 0x0112
MAKE_TAG = 0x010F
GPS_IFD_TAG = 0x8825
RED = (220, 30, 30)
BLUE = (30, 30, 220)


def image_bytes(fmt: str, size=(400, 300), mode="RGB", colour=(30, 110, 120), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def sideways_jpeg_with_gps() -> bytes:
    """A 300 x 200 JPEG, red on the left and blue on the right, tagged "rotate 90° clockwise"
    (EXIF Orientation 6), with a camera make and a GPS position in its EXIF."""
    image = Image.new("RGB", (300, 200), BLUE)
    image.paste(Image.new("RGB", (150, 200), RED), (0, 0))
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = 6
    exif[MAKE_TAG] = "ExampleCam"
    exif[GPS_IFD_TAG] = {1: "N", 2: (55.0, 40.0, 0.0), 3: "E", 4: (12.0, 34.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def noisy_jpeg(size=(600, 600)) -> bytes:
    """A JPEG whose data is spread over the whole file (random pixels), for truncation tests."""
    import os  # noqa: PLC0415

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def bilevel_png(size) -> bytes:
    """A huge but tiny PNG: one bit per pixel, all white, compresses to almost nothing."""
    buffer = io.BytesIO()
    Image.new("1", size, 1).save(buffer, format="PNG")
    return buffer.getvalue()
