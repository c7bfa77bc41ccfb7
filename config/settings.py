"""Decoded's one settings module.

Everything that differs between machines comes from the environment; the defaults give a safe
development setup on SQLite. `DJANGO_ENV=production` switches on the production posture
(no DEBUG, secrets required, secure cookies, HSTS). The README lists every variable.
"""

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not IS_PRODUCTION)

if IS_PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50:  # noqa: PLR2004 (Django's own check --deploy threshold)
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to 50 or more random characters.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names.")
else:
    # Development only: a fixed key is harmless on a developer's machine and keeps sessions alive
    # across restarts. Production refuses to start without its own key (above).
    SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-insecure-decoded-key-do-not-use-in-production-0123456789")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

# Fernet keys for secrets at rest (meeting URLs, TOTP secrets), newest first; see events/crypto.py.
# Development derives one from SECRET_KEY; production must set its own.
DECODED_ENCRYPTION_KEYS = env_list("DECODED_ENCRYPTION_KEYS")
if not DECODED_ENCRYPTION_KEYS:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("DECODED_ENCRYPTION_KEYS must hold at least one Fernet key in production.")
    DECODED_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(f"decoded-encryption:{SECRET_KEY}".encode()).digest()).decode()
    ]

# The public origin, used where a URL must be absolute (calendar files, emails, sitemaps).
SITE_URL = env("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # modeltranslation must come before the admin to patch its forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Security (issue 7): allauth.usersessions' list of sessions uses its filters.
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_countries",
    "django_tasks_db",
    "events",
    "registrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's user-session tracking, refreshed at most every 15 minutes (not on every request).
    "registrations.usersessions.UserSessionActivityMiddleware",
    # Security (issue 7): nothing made for a signed-in person is stored by a cache (outermost of
    # the two, so it also marks the redirects below); staff need MFA, used in this session, for
    # the admin; short staff sessions.
    "registrations.private_responses.NoStoreWhenSignedInMiddleware",
    "registrations.staff_security.StaffSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "events.middleware.ViewerTimezoneMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "events.context_processors.site",
            ],
        },
    },
]

# Database: SQLite next to the code unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Values sent apart from the statement, and a statement run a fifth time on a connection is
    # prepared once (psycopg's prepare_threshold, which Django turns off unless told): PostgreSQL
    # then skips parsing and planning it. In a registration rush, every statement repeats:
    # PostgreSQL's CPU per registration 4.5 -> 3.1 ms (bench/rush_profile.py). Off for a pooler
    # that cannot keep prepared statements (PgBouncer's transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and the task worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory by default, Redis when REDIS_URL is set (shared by every process).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Stores nothing: what `{% cache %}` uses for a fragment that must not be cached (events/page_cache.py).
CACHES["off"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}

# Argon2 first; older hashes are upgraded on the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 15}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "registrations:account"

# Accounts (django-allauth): sign-in and sign-up by an emailed one-time code, no password
# needed; the email is verified before a place is confirmed. Known and unknown addresses get the
# same response. Rate limits use the shared cache (Redis in production).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600  # ten minutes: the default three is short on a phone
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_ADAPTER = "registrations.accounts.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # Our own actions (registrations/antiabuse.py), in allauth's rate syntax. Registration POSTs
    # signed out per address; signed in per account (a hospital's staff share one address).
    "register": "20/m/ip",
    "register_signed_in": "20/m/user",
    # Code emails sent from the registration form, per address.
    "register_code": "5/h/key",
    # The public certificate verification page.
    "verify_certificate": "30/m/ip",
}
# Certificates are issued by background tasks, this many per task.
CERTIFICATE_TASK_BATCH_SIZE = 20

# Multi-factor authentication (required for organisers: see the security middleware).
MFA_ADAPTER = "registrations.accounts.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Decoded"
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # lets WebAuthn work on http://127.0.0.1 in development
USERSESSIONS_TRACK_ACTIVITY = True
# Clients' IP addresses, for rate limits: behind N trusted reverse proxies, the N-th address from
# the right of X-Forwarded-For; with 0, the connection's address (a spoofed header changes nothing).
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# --- Security (issue 7): organisers' sessions and the registration form's proof of work ---
# Staff sessions end after 30 minutes without a request and 8 hours after sign-in
# (registrations/staff_security.py).
STAFF_SESSION_IDLE_SECONDS = 30 * 60
STAFF_SESSION_MAX_SECONDS = 8 * 60 * 60
# ALTCHA proof of work on the signed-out registration form (registrations/proof_of_work.py); the
# challenge's cost in PBKDF2 iterations per attempt, and how long a challenge stays valid.
# Deliberately not read from the environment; only tests switch it off (`check --deploy` fails
# without it).
REGISTRATION_POW_REQUIRED = True
REGISTRATION_POW_COST = 5000
REGISTRATION_POW_MAX_AGE_SECONDS = 20 * 60
# --- end of the issue 7 block ---

# Registration rules.
# How long before the start the waitlist stops moving up (a place freed later stays free).
REGISTRATION_PROMOTION_CUTOFF_MINUTES = int(env("DECODED_PROMOTION_CUTOFF_MINUTES", "120"))
# The registration form must be open at least this many seconds before it is sent (anti-bot).
REGISTRATION_MIN_FILL_SECONDS = 3
# Capacity is enforced by locking the session row while counting. Only the concurrency test's
# control run switches this off, to show that the lock is what keeps the count exact.
REGISTRATION_LOCK_SESSION_ROW = True
# Join links open this many minutes before the start and stay open until the end.
JOIN_WINDOW_OPENS_MINUTES = 30
# Privacy: organisers' views of personal data are logged and the log is kept this long.
ACCESS_LOG_RETENTION_DAYS = int(env("DECODED_ACCESS_LOG_RETENTION_DAYS", "730"))

# Internationalisation: English and Russian, each under its own URL prefix.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_SECURE = IS_PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "ru")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The admin's EN/RU tabs use jQuery UI; we serve our own copy, never a CDN's.
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"

# Static and uploaded files.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Certificate PDFs: never under MEDIA_URL; served by a view that checks the owner.
    "certificates": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("DECODED_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Speaker photos: the largest upload we accept and decode.
SPEAKER_PHOTO_MAX_BYTES = 5 * 1024 * 1024

# Background work: django.tasks with the database backend (worker: `manage.py db_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Email: console in development, SMTP with TLS in production (Django 6.1 MAILERS).
MAILERS = {
    "default": {
        "BACKEND": env(
            "DJANGO_EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if IS_PRODUCTION
            else "config.console_mail.EmailBackend",  # readable: decoded text, one line per part
        ),
    }
}
if MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": env("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(env("DJANGO_EMAIL_PORT", "587")),
        "username": env("DJANGO_EMAIL_HOST_USER"),
        "password": env("DJANGO_EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", default=True),
        "timeout": 20,
    }
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Decoded <no-reply@decoded.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sessions are read from the cache (Redis in production) and written through to the database:
# a signed-in request costs no query to load its session. Ending a session (sign-out, allauth's
# UserSession.end() on deactivation or erasure) deletes it from both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Security posture. Development keeps cookies usable over plain http on 127.0.0.1.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (see README, "Security").
    if env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: our own origin only; scripts need the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines can carry tokens in their paths; they are not logged.
        "django.server": {"level": "WARNING"},
        # WeasyPrint reports every step at INFO; only its warnings matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Production (issue 9): JSON logs, health probes, the page cache ---
if IS_PRODUCTION:
    # One JSON object per line, tokens, query strings and email addresses scrubbed (config/logging.py).
    LOGGING["formatters"]["json"] = {"()": "config.logging.JsonFormatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
    # The load balancer probes these over plain http on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Cached public pages and their fragments live this long at most; any change to the content
# replaces them at once; 0 turns the cache off (events/page_cache.py).
PUBLIC_PAGE_CACHE_SECONDS = int(env("DECODED_PAGE_CACHE_SECONDS", "3600"))
# --- end of the issue 9 block ---
