"""Certificate PDFs: `build_certificate_data()` gathers what is printed, `render_certificate_pdf()`
turns it into an A4 landscape PDF/A-3b with WeasyPrint.

What is printed is only what the certificate snapshot holds (name, session title, date, minutes,
code) plus the series and organiser; the PDF's metadata repeats the title and the language and
nothing else (no email address, no identifiers of the person).

Rendering never touches the network: every document is rendered with `AssetOnlyURLFetcher`,
which serves the files of `certificate_assets/` (the bundled DejaVu Sans, licence beside it)
and refuses every other URL. Names are escaped by the template engine, so markup in a name is
printed as text.

Speed: the stylesheet (with its @font-face rules) is parsed once per process and thread into a
`CSS` object bound to one shared `FontConfiguration`; each certificate then costs a small HTML
parse, layout and the font subsetting (fast with HarfBuzz's subsetter, see
`registrations.certificate_checks`). bench/certificates.py measures it against the naive way.
The QR code is not SVG in the HTML: WeasyPrint's SVG path parser took a fifth of a certificate's
time for its ~700 commands. segno's modules are drawn instead as filled rectangles, one per run of
dark modules, straight into the page's content stream (`draw_qr`), over the empty box of the
`a.qr` link: still vector, same place and size, same link.
"""

import atexit
import dataclasses
import functools
import itertools
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from events.timefmt import get_babel_locale
from registrations.certificate_models import Certificate, group_code

ASSETS_DIR = (Path(__file__).resolve().parent / "certificate_assets").resolve()
STYLESHEET = ASSETS_DIR / "certificate.css"
TEMPLATE = "certificates/certificate_pdf.html"
PDF_VARIANT = "pdf/a-3b"
QR_COLOUR = (0x1A, 0x2A, 0x30)  # the text colour of certificate.css
QR_BORDER = 2  # modules of quiet zone inside the printed square (white paper around it does the rest)
# Every one of the eight mask patterns gives a valid QR code that readers decode; segno scoring all
# eight to pick the "best" cost 4 ms a certificate, three quarters of its time.
QR_MASK = 0


@dataclasses.dataclass(frozen=True)
class CertificateData:
    """Everything a certificate prints, already in its language."""

    language: str
    name: str
    session_title: str
    series_title: str
    organiser_name: str
    date_text: str
    minutes_text: str
    code: str  # grouped: "7K4M-Q2XP-…"
    verify_url: str
    qr: "QRModules"


@dataclasses.dataclass(frozen=True)
class QRModules:
    """A QR code as the PDF draws it: its side in modules (quiet zone included) and its dark modules
    as horizontal runs (row, first column, length), top-left first."""

    size: int
    runs: tuple[tuple[int, int, int], ...]


def build_qr(url: str) -> QRModules:
    """The QR code of `url` (error correction M, quiet zone of `QR_BORDER` modules)."""
    import segno  # noqa: PLC0415 (only certificates need it)

    code = segno.make(url, error="m", micro=False, mask=QR_MASK)
    runs, size = [], 0
    for row, modules in enumerate(code.matrix_iter(scale=1, border=QR_BORDER)):
        size, column = len(modules), 0
        for is_dark, group in itertools.groupby(modules):
            length = len(list(group))
            if is_dark:
                runs.append((row, column, length))
            column += length
    return QRModules(size=size, runs=tuple(runs))


def build_verify_url(code: str, language: str) -> str:
    with translation.override(language):
        path = reverse("certificates:certificate-verify", kwargs={"code": group_code(code)})
    return f"{settings.SITE_URL}{path}"


def format_certificate_date(value, language: str) -> str:
    """Babel's long date in the certificate's language ("18 July 2024"; Russian adds the year abbreviation)."""
    from babel.dates import format_date  # noqa: PLC0415

    return format_date(value, "long", locale=get_babel_locale(language))


def format_minutes(minutes: int, language: str) -> str:
    with translation.override(language):
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def build_certificate_data(certificate: Certificate) -> CertificateData:
    """What `certificate` prints, from its snapshot, in its language."""
    language = certificate.language
    series = certificate.registration.session.series
    with translation.override(language):
        series_title, organiser_name = series.title, series.organiser_name
    verify_url = build_verify_url(certificate.code, language)
    return CertificateData(
        language=language,
        name=certificate.printed_name,
        session_title=certificate.printed_title,
        series_title=series_title,
        organiser_name=organiser_name,
        date_text=format_certificate_date(certificate.session_date, language),
        minutes_text=format_minutes(certificate.minutes, language),
        code=group_code(certificate.code),
        verify_url=verify_url,
        qr=build_qr(verify_url),
    )


def render_certificate_html(data: CertificateData) -> str:
    with translation.override(data.language):
        return render_to_string(TEMPLATE, {"data": data})


def asset_path(url: str) -> Path | None:
    """The bundled file a `file:` URL names, or None for any other URL (or a path outside the assets)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in {"", "localhost"}:
        return None
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
        return None
    return path


_asset_cache: dict[Path, bytes] = {}


def read_asset(path: Path) -> bytes:
    if path not in _asset_cache:
        _asset_cache[path] = path.read_bytes()
    return _asset_cache[path]


def build_url_fetcher():
    """A WeasyPrint URL fetcher that serves `certificate_assets/` files and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = asset_path(url)
            if path is None:
                raise ValueError(f"Certificates use bundled assets only; refused {url[:80]!r}.")
            return URLFetcherResponse(path.as_uri(), read_asset(path), status=200)

    return AssetOnlyURLFetcher(allowed_protocols=("file",), allow_redirects=False)


def draw_qr(qr: QRModules, document, pdf) -> None:
    """Draw `qr` over the content box of the page's `a.qr` link (a WeasyPrint finisher: `document`
    is laid out, `pdf` built but not written yet).

    One path of rectangles in module units, filled once: exact edges, no seams between modules.
    The page's content stream ends in WeasyPrint's top-left-origin user space (points, y down).
    """
    boxes = [
        box
        for _kind, _target, _rectangle, box in document.pages[0].links
        if box.element is not None and "qr" in box.element.get("class", "").split()
    ]
    if len(boxes) != 1:
        raise ValueError(f"The certificate template needs exactly one a.qr link; found {len(boxes)}.")
    box = boxes[0]
    points = 0.75  # PDF points per CSS pixel
    x, y = box.content_box_x() * points, box.content_box_y() * points
    module = min(box.width, box.height) * points / qr.size
    page = pdf.objects[pdf.pages["Kids"][0]]
    stream = pdf.objects[int(page["Contents"].split()[0])]
    red, green, blue = (channel / 255 for channel in QR_COLOUR)
    stream.stream.extend(
        [
            b"q",
            f"{red:.4f} {green:.4f} {blue:.4f} rg".encode(),
            f"{module:.4f} 0 0 {module:.4f} {x:.4f} {y:.4f} cm".encode(),
            *(f"{column} {row} {length} 1 re".encode() for row, column, length in qr.runs),
            b"f",
            b"Q",
        ]
    )


class CertificateRenderer:
    """A parsed stylesheet and font configuration, reused for every certificate of a thread."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.url_fetcher = build_url_fetcher()
        self.font_config = FontConfiguration()
        self.base_url = ASSETS_DIR.as_uri() + "/"
        self.stylesheet = CSS(
            string=STYLESHEET.read_text(encoding="utf-8"),
            base_url=self.base_url,
            url_fetcher=self.url_fetcher,
            font_config=self.font_config,
        )

    def render(self, html: str, qr: QRModules | None = None) -> bytes:
        """`html` as PDF bytes, with `qr` drawn into its `a.qr` box when given."""
        from weasyprint import HTML

        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.url_fetcher)
        return document.write_pdf(
            stylesheets=[self.stylesheet],
            font_config=self.font_config,
            pdf_variant=PDF_VARIANT,
            finisher=None if qr is None else functools.partial(draw_qr, qr),
        )


_local = threading.local()


def get_renderer() -> CertificateRenderer:
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = CertificateRenderer()
        # Free it (and WeasyPrint's temporary font folder) before the interpreter tears modules down.
        atexit.register(_local.__dict__.pop, "renderer", None)
    return renderer


def render_certificate_pdf(data: CertificateData) -> bytes:
    """The certificate as PDF/A-3b bytes (A4 landscape, one page, one person)."""
    return get_renderer().render(render_certificate_html(data), qr=data.qr)
