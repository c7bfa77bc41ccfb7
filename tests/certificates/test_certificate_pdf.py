import http.server
import io
import re
import threading

import pytest
import segno
from pypdf import PdfReader

from registrations.attendance.services import set_manual_attendance
from registrations.certificate_services import issue_certificate
from registrations.certificates import (
    asset_path,
    build_certificate_data,
    get_renderer,
    render_certificate_pdf,
)
from tests.certificates.conftest import make_registration

pytestmark = pytest.mark.django_db

MAX_PDF_BYTES = 40 * 1024


def issue(session, *, name, language, minutes=88, email=None):
    registration = make_registration(
        session, email=email or f"{language}@health.example", full_name=name, language=language
    )
    set_manual_attendance(registration=registration, minutes=minutes, reason="test", actor=None)
    return issue_certificate(registration=registration)


def read_pdf(certificate) -> PdfReader:
    with certificate.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def page_text(reader: PdfReader) -> str:
    return " ".join(reader.pages[0].extract_text().split())


def link_uris(reader: PdfReader) -> set[str]:
    annotations = reader.pages[0].get("/Annots") or []
    return {annotation.get_object()["/A"]["/URI"] for annotation in annotations}


@pytest.mark.parametrize(
    ("language", "name", "title", "date", "minutes"),
    [
        ("en", "Aigerim Sadykova", "Cybersecurity in health care", "18 July 2024", "88 minutes"),
        ("ru", "Анна Сергеевна Петрова", "Кибербезопасность в здравоохранении", "18 июля 2024 г.", "88"),
    ],
)
def test_pdf_text_has_name_title_date_and_code(language, name, title, date, minutes, session_2024):  # noqa: PLR0917 (parametrised)
    certificate = issue(session_2024, name=name, language=language)

    text = page_text(read_pdf(certificate)).replace("\u202f", " ")

    assert name in text
    assert title in text
    assert date in text
    assert minutes in text
    assert certificate.grouped_code in text
    assert certificate.pdf.size < MAX_PDF_BYTES


@pytest.mark.parametrize("language", ["en", "ru"])
def test_pdf_links_to_the_verification_page_in_its_language(language, session_2024):
    certificate = issue(session_2024, name="Aigerim Sadykova", language=language)

    uris = link_uris(read_pdf(certificate))

    assert uris == {f"https://decoded.example/{language}/verify/{certificate.grouped_code}/"}


def qr_modules(url: str, mask: int) -> set[tuple[int, int]]:
    code = segno.make(url, error="m", micro=False, mask=mask)
    return {
        (row, column)
        for row, modules in enumerate(code.matrix_iter(scale=1, border=2))
        for column, is_dark in enumerate(modules)
        if is_dark
    }


def test_qr_code_is_the_verification_url_drawn_as_vector_inside_its_link(session_2024):
    certificate = issue(session_2024, name="Anna Petrova", language="ru")
    url = f"https://decoded.example/ru/verify/{certificate.grouped_code}/"
    reader = read_pdf(certificate)
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    page_height = float(reader.pages[0].mediabox.height)

    drawn = {
        (int(row), int(column) + offset)
        for column, row, length in re.findall(r"^(\d+) (\d+) (\d+) 1 re$", content, re.MULTILINE)
        for offset in range(int(length))
    }
    module, left, top = (
        float(value)
        for value in re.search(r"^(\S+) 0 0 \1 (\S+) (\S+) cm\n\d+ \d+ \d+ 1 re$", content, re.MULTILINE).groups()
    )
    size = max(row for row, _column in drawn) + 3  # the last dark row, then a quiet zone of two
    qr_link = [
        annotation.get_object()["/Rect"]
        for annotation in reader.pages[0]["/Annots"]
        if annotation.get_object()["/Rect"][0] > 600  # the QR's link, right of the text
    ]

    assert drawn in [qr_modules(url, mask) for mask in range(8)]  # the URL's QR code, whichever mask
    assert len(qr_link) == 1
    x1, y1, x2, y2 = (float(value) for value in qr_link[0])
    assert (round(left, 1), round(page_height - top, 1)) == (round(x1, 1), round(max(y1, y2), 1))
    assert round(module * size, 1) == round(x2 - x1, 1) == round(38 / 25.4 * 72, 1)  # 38 mm square


def test_pdf_is_a4_landscape_pdfa_with_title_and_language_and_nothing_personal(session_2024):
    certificate = issue(session_2024, name="Aigerim Sadykova", language="en", email="aigerim@clinic.example")
    reader = read_pdf(certificate)

    with certificate.pdf.open("rb") as handle:
        raw = handle.read()
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert len(reader.pages) == 1
    assert reader.metadata.title == "Certificate of attendance: Cybersecurity in health care"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert b'pdfaid:part="3" pdfaid:conformance="B"' in xmp
    assert b"aigerim@clinic.example" not in raw + xmp
    fonts = {font.get_object()["/BaseFont"].split("+")[-1] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts == {"Decoded-Certificate-Sans", "Decoded-Certificate-Sans-Bold"}  # the bundled faces only


def test_name_with_markup_is_printed_as_text(session_2024):
    name = 'Anna <img src="http://127.0.0.1:9/">'

    certificate = issue(session_2024, name=name, language="en")

    assert name in page_text(read_pdf(certificate))


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        RecordingHandler.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_server():
    RecordingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rendering_never_fetches_network_urls(recording_server, session_2024):
    name = f'<img src="{recording_server}/name.png"><link rel="stylesheet" href="{recording_server}/name.css">'
    certificate = issue(session_2024, name=name, language="en")
    # And markup that did get into the HTML (defence in depth): every kind of fetch is refused.
    hostile = (
        f'<html><head><link rel="stylesheet" href="{recording_server}/a.css">'
        f"<style>@import url({recording_server}/b.css); body {{ background: url({recording_server}/c.png) }}"
        f"@font-face {{ font-family: X; src: url({recording_server}/d.ttf) }}</style></head>"
        f'<body><img src="{recording_server}/e.png"><object data="{recording_server}/f.svg"></object>'
        f'<img src="file:///etc/passwd"><p style="font-family: X">x</p></body></html>'
    )

    get_renderer().render(hostile)

    assert RecordingHandler.hits == []
    # The long name wraps; compare without the line breaks.
    assert "".join(name.split()) in "".join(page_text(read_pdf(certificate)).split())


def test_asset_fetcher_serves_only_bundled_files():
    from registrations.certificates import ASSETS_DIR  # noqa: PLC0415

    font = (ASSETS_DIR / "fonts" / "DejaVuSans.ttf").as_uri()

    assert asset_path(font) == ASSETS_DIR / "fonts" / "DejaVuSans.ttf"
    assert asset_path((ASSETS_DIR / ".." / "models.py").as_uri()) is None
    assert asset_path("file:///etc/passwd") is None
    assert asset_path("http://127.0.0.1/fonts/DejaVuSans.ttf") is None
    assert asset_path("data:text/plain,hello") is None


def test_render_is_deterministic_in_size_for_both_languages(session_2024):
    certificate = issue(session_2024, name="Иван Иванов", language="ru")

    pdf = render_certificate_pdf(build_certificate_data(certificate))

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) < MAX_PDF_BYTES
