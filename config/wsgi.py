import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from config.warmup import warm_up  # noqa: E402 (needs the settings configured above)

warm_up()
# What exists now lives as long as the process. Frozen, the collector never walks it again: a
# worker's full collections stay short (no pause of 100+ ms over the inherited heap), and the
# pages it shares with gunicorn's master are not copied by the collector writing to them.
gc.freeze()
