"""Certificate rendering, naive against ours, side by side in one run.

    .venv/bin/python bench/certificates.py [--count 1000] [--workers 2]

Renders `count` certificates (half English, half Russian, varied names and titles) three ways,
each in fresh processes so their memory peaks are their own:

- naive: one `HTML(string=…).write_pdf()` per certificate with the stylesheet inline, so
  WeasyPrint re-parses the CSS and re-loads the fonts every time;
- ours, one process: `registrations.certificates.render_certificate_pdf` (one parsed CSS and one
  FontConfiguration per process);
- ours, `--workers` processes: the shipped configuration for a 2-core machine (two
  `manage.py db_worker` processes), measured as wall-clock time for all certificates.

Prints ms per certificate, the ratio to naive, peak RSS per process, PDF sizes, and whether
HarfBuzz's subsetter is loaded.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

NAMES = {
    "en": ["Aigerim Sadykova", "Dr John A. Smith", "Maria-Luisa Fernández", "Nino Beridze", "Ayşe Demir"],
    "ru": ["Анна Сергеевна Петрова", "Иван Иванов", "Гульнара Ахметова", "Дмитрий Сергеевич Ким", "Ольга Кузнецова"],
}
TITLES = {
    "en": ["Cybersecurity in health care", "Data encryption for hospitals: a practical guide"],
    "ru": ["Кибербезопасность в здравоохранении", "Шифрование данных в больницах: практическое руководство"],
}


def _setup():
    import logging  # noqa: PLC0415

    import django  # noqa: PLC0415

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)


def build_data(index: int):
    from registrations.certificate_models import group_code, new_certificate_code  # noqa: PLC0415
    from registrations.certificates import CertificateData, build_qr_svg, format_minutes  # noqa: PLC0415

    language = "en" if index % 2 == 0 else "ru"
    code = new_certificate_code()
    url = f"https://decoded.example/{language}/verify/{group_code(code)}/"
    return CertificateData(
        language=language,
        name=NAMES[language][index % 5],
        session_title=TITLES[language][index % 2],
        series_title=(
            "Decoding data and digital health" if language == "en" else "Расшифровка данных и цифрового здравоохранения"
        ),
        organiser_name="Regional Health Agency" if language == "en" else "Региональное агентство здравоохранения",
        date_text="18 July 2024" if language == "en" else "18 июля 2024\u202fг.",
        minutes_text=format_minutes(45 + index % 46, language),
        code=group_code(code),
        verify_url=url,
        qr_svg=build_qr_svg(url),
    )


def render_naive(data) -> bytes:
    """Everything rebuilt each time: the CSS inline in the HTML, fonts loaded per document."""
    from weasyprint import HTML

    from registrations.certificates import ASSETS_DIR, STYLESHEET, render_certificate_html  # noqa: PLC0415

    html = render_certificate_html(data).replace(
        "</head>", f"<style>{STYLESHEET.read_text(encoding='utf-8')}</style></head>"
    )
    return HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/").write_pdf(pdf_variant="pdf/a-3b")


def render_ours(data) -> bytes:
    from registrations.certificates import render_certificate_pdf  # noqa: PLC0415

    return render_certificate_pdf(data)


def run_batch(way: str, indexes: list[int]) -> dict:
    _setup()
    render = render_naive if way == "naive" else render_ours
    render(build_data(0))  # warm-up: imports, first font load (counted in neither way)
    items = [build_data(i) for i in indexes]
    sizes = []
    started = time.perf_counter()
    for data in items:
        sizes.append(len(render(data)))
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": elapsed, "count": len(items), "sizes": sizes, "peak_mb": peak_kb / 1024}


def run(way: str, count: int, processes: int) -> dict:
    chunks = [list(range(start, count, processes)) for start in range(processes)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        started = time.perf_counter()
        futures = [pool.submit(run_batch, way, chunk) for chunk in chunks]
        results = [future.result() for future in futures]
        wall = time.perf_counter() - started
    sizes = [size for result in results for size in result["sizes"]]
    busy = max(result["seconds"] for result in results)  # the slowest process, without start-up
    return {
        "ms": busy * 1000 / count,
        "wall_ms": wall * 1000 / count,
        "peak_mb": max(result["peak_mb"] for result in results),
        "sizes": sizes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    _setup()
    from registrations.certificate_checks import has_harfbuzz_subset  # noqa: PLC0415

    subsetter = "yes" if has_harfbuzz_subset() else "MISSING (about 5x slower)"
    print(f"HarfBuzz subsetter: {subsetter}; CPUs: {os.cpu_count()}")
    print(f"{args.count} certificates, half EN, half RU\n")
    naive = run("naive", args.count, 1)
    ours = run("ours", args.count, 1)
    workers = run("ours", args.count, args.workers)
    rows = [
        ("naive, 1 process", naive),
        ("ours, 1 process", ours),
        (f"ours, {args.workers} processes", workers),
    ]
    print(f"{'way':<22}{'ms/cert':>9}{'ratio':>8}{'peak RSS/process':>18}{'PDF median':>12}{'PDF max':>10}")
    for label, result in rows:
        print(
            f"{label:<22}{result['ms']:>9.1f}{naive['ms'] / result['ms']:>7.2f}x{result['peak_mb']:>15.0f} MB"
            f"{statistics.median(result['sizes']) / 1024:>9.1f} KB{max(result['sizes']) / 1024:>7.1f} KB"
        )
    print(
        f"\nWall clock including process start-up: {workers['wall_ms']:.1f} ms/cert with {args.workers} processes "
        f"({naive['ms'] / workers['wall_ms']:.2f}x naive)."
    )


if __name__ == "__main__":
    main()
