"""Tables and rows of the reference project (run with its settings)."""

import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.reference.settings"

import django

django.setup()
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.reference.models import Item, Slot  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
now = timezone.now()
Item.objects.bulk_create(
    Item(name=f"Item {n}", summary="What every health organisation should know. " * 3, starts_at=now + dt.timedelta(days=n))
    for n in range(200)
)
Slot.objects.create(pk=1, capacity=1000)
