"""Smoke test of the production configuration, run by `make prod-check`.

Creates a scratch PostgreSQL database (`decoded_prodcheck`), migrates, loads the demo data,
collects static files, starts gunicorn with config/gunicorn.conf.py on a loopback port
(DJANGO_ENV=production, throwaway secrets, Redis cache) and checks, as the TLS proxy would send
them: /healthz, /readyz, home EN/RU, a session page, the series feed (and its 304), a hashed static
file with far-future cache headers, and the security headers. Exits 1 on the first failure.
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.prodstack import Gunicorn, flush_redis, free_port, http_get, manage, production_env, reset_database

FAILURES: list[str] = []


def check(label: str, condition: bool, detail: str = "") -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {label}{f' ({detail})' if detail and not condition else ''}")
    if not condition:
        FAILURES.append(label)


def main() -> int:
    env = production_env(reset_database("decoded_prodcheck"), redis_db=6)
    flush_redis(6)
    print("migrate, demo data, collectstatic …")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo", "--force")  # scratch database: demo content to look at
    manage(env, "collectstatic", "--noinput", "--clear")
    with Gunicorn(env, port=free_port()) as server:
        base = server.base
        print(f"gunicorn on {base}")
        status, _headers, body = http_get(f"{base}/healthz")
        check("/healthz is 200 ok", status == 200 and b'"ok"' in body, f"{status} {body[:80]!r}")
        status, _headers, body = http_get(f"{base}/readyz")
        check("/readyz is 200 with every check ok", status == 200 and body.count(b'"ok"') == 4, f"{status} {body!r}")
        for language, text in (("en", "Decoding data"), ("ru", "Расшифровка данных")):
            status, headers, body = http_get(f"{base}/{language}/")
            page = body.decode()
            check(f"home /{language}/ is 200 in its language", status == 200 and text in page, str(status))
        check("HSTS header", "max-age=31536000" in headers.get("Strict-Transport-Security", ""))
        policy = headers.get("Content-Security-Policy", "")
        # Public pages carry no nonce (their one script is a same-origin file, so they can be cached
        # whole); pages with an inline script get one (the registration form, checked below).
        check("CSP header: scripts from this origin only", "script-src 'self'" in policy
              and "unsafe-inline" not in policy and "object-src 'none'" in policy, policy)
        check("X-Frame-Options DENY", headers.get("X-Frame-Options") == "DENY")
        check("nosniff", headers.get("X-Content-Type-Options") == "nosniff")
        check("Referrer-Policy", headers.get("Referrer-Policy") == "same-origin")
        session_path = re.search(r'href="(/en/sessions/[a-z0-9-]+/)"', page.replace("/ru/", "/en/"))
        check("home links a session", session_path is not None)
        if session_path:
            status, _headers, body = http_get(f"{base}{session_path.group(1)}")
            check("session page is 200", status == 200, str(status))
            register_path = re.search(r'href="(/en/sessions/[a-z0-9-]+/register/)"', body.decode())
            if register_path:
                form_status, form_headers, form = http_get(f"{base}{register_path.group(1)}")
                nonce = re.search(r"'nonce-([^']+)'", form_headers.get("Content-Security-Policy", ""))
                check("registration form: its script carries the response's CSP nonce",
                      form_status == 200 and nonce is not None and f'nonce="{nonce.group(1)}"' in form.decode(),
                      str(form_status))
        series = re.search(r'href="[^"]*?(/en/series/[a-z0-9-]+\.ics)"', body.decode())
        check("session page links the series feed", series is not None)
        if series:
            status, headers, _body = http_get(f"{base}{series.group(1)}")
            check("series feed is text/calendar", status == 200 and headers.get("Content-Type", "").startswith("text/calendar"))
            status, _h, _b = http_get(f"{base}{series.group(1)}", {"If-None-Match": headers.get("ETag", "")})
            check("series feed answers 304 to its ETag", status == 304, str(status))
        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
        check("static URLs are hashed", css is not None)
        if css:
            status, headers, _body = http_get(f"{base}{css.group(1)}", {"Accept-Encoding": "gzip, br"})
            check("hashed CSS is served with a far-future cache", status == 200 and "immutable" in headers.get("Cache-Control", ""),
                  headers.get("Cache-Control", ""))
            check("CSS is served compressed", headers.get("Content-Encoding") in {"gzip", "br"}, headers.get("Content-Encoding", ""))
        status, headers, _body = http_get(f"{base}/en/", {"X-Forwarded-Proto": "http"})
        check("plain http is redirected to https", status == 301 and headers.get("Location", "").startswith("https://"), str(status))
        if FAILURES:
            print("gunicorn's log (last lines):\n" + server.log_tail())
    print("prod-check: " + ("all green" if not FAILURES else f"{len(FAILURES)} failure(s)"))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
