"""Start-up check for certificate rendering.

WeasyPrint subsets fonts with HarfBuzz's subset library when it can load it (Debian package
`libharfbuzz-subset0`); without it WeasyPrint silently falls back to fontTools, about five times
slower per certificate. `check_harfbuzz_subset` makes that loud: a Warning on every `manage.py`
command, the dev server and the worker. It looks for the library the way WeasyPrint loads it,
without importing WeasyPrint (slow) at start-up.
"""

import ctypes
import ctypes.util

from django.core import checks

LIBRARY_NAMES = (
    "libharfbuzz-subset.so.0",
    "libharfbuzz-subset.0.dylib",
    "libharfbuzz-subset-0.dll",
)


def has_harfbuzz_subset() -> bool:
    candidates = [*LIBRARY_NAMES]
    found = ctypes.util.find_library("harfbuzz-subset")
    if found:
        candidates.insert(0, found)
    for name in candidates:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


@checks.register()
def check_harfbuzz_subset(app_configs=None, **kwargs):
    if has_harfbuzz_subset():
        return []
    return [
        checks.Warning(
            "HarfBuzz's subset library (libharfbuzz-subset) is missing: certificate PDFs will render "
            "about 5x slower.",
            hint="Install the Debian package libharfbuzz-subset0 (make system-deps does).",
            id="decoded.W101",
        )
    ]
