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
"""

import atexit
import dataclasses
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from events.timefmt import get_babel_locale
from registrations.certificate_models import Certificate, group_code

ASSETS_DIR = (Path(__file__).resolve().parent / "certificate_assets").resolve()
STYLESHEET = ASSETS_DIR / "certificate.css"
TEMPLATE = "certificates/certificate_pdf.html"
PDF_VARIANT = "pdf/a-3b"


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
    qr_svg: SafeString


def build_qr_svg(url: str) -> SafeString:
    """The QR code of `url` as inline SVG (vector, no raster), sized by the stylesheet."""
    import segno  # noqa: PLC0415 (only certificates need it)

    svg = segno.make(url, error="m", micro=False).svg_inline(scale=1, border=2, dark="#1a2a30", omitsize=True)
    return mark_safe(svg)  # noqa: S308 (segno's own SVG: only the URL's modules, no text from the user)


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
        qr_svg=build_qr_svg(verify_url),
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

    def render(self, html: str) -> bytes:
        from weasyprint import HTML

        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.url_fetcher)
        return document.write_pdf(
            stylesheets=[self.stylesheet],
            font_config=self.font_config,
            pdf_variant=PDF_VARIANT,
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
    return get_renderer().render(render_certificate_html(data))
