"""System checks that keep the security posture from eroding unnoticed.

`check_content_security_policy` fails (an Error, so `manage.py check` and every test run stop)
when the Content Security Policy is missing or weakened: a directive dropped, an `unsafe-*`
keyword, a wildcard or any foreign host.
"""

from django.conf import settings
from django.core import checks
from django.utils.csp import CSP

CSP_MIDDLEWARE = "django.middleware.csp.ContentSecurityPolicyMiddleware"
REQUIRED = {
    "default-src": {CSP.SELF},
    "object-src": {CSP.NONE},
    "base-uri": {CSP.NONE},
    "frame-ancestors": {CSP.NONE},
    "form-action": {CSP.SELF},
}
# What any directive may contain: our own origin, nonces, 'none', and data: URIs for images.
ALLOWED_SOURCES = {CSP.SELF, CSP.NONE, CSP.NONCE, "data:"}


@checks.register(checks.Tags.security)
def check_content_security_policy(app_configs=None, **kwargs):
    errors = []
    policy = getattr(settings, "SECURE_CSP", None) or {}
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(checks.Error(f"{CSP_MIDDLEWARE} is not in MIDDLEWARE.", id="decoded.E001"))
    if not policy:
        errors.append(checks.Error("SECURE_CSP is not set.", id="decoded.E002"))
        return errors
    for directive, expected in REQUIRED.items():
        if set(policy.get(directive, ())) != expected:
            errors.append(
                checks.Error(
                    f"SECURE_CSP[{directive!r}] must be exactly {sorted(expected)}.",
                    id="decoded.E003",
                )
            )
    script_sources = set(policy.get("script-src", ()))
    if CSP.NONCE not in script_sources:
        errors.append(checks.Error("SECURE_CSP['script-src'] must require a nonce.", id="decoded.E004"))
    for directive, sources in policy.items():
        for source in sources:
            if source not in ALLOWED_SOURCES or (source == "data:" and directive != "img-src"):
                errors.append(
                    checks.Error(
                        f"SECURE_CSP[{directive!r}] allows {source!r}: only our own origin may be trusted.",
                        id="decoded.E005",
                    )
                )
    return errors
