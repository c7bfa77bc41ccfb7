from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt

from bench.reference.models import Booking, Item, Slot


def detail(request, pk):
    return render(request, "reference/detail.html", {"item": get_object_or_404(Item, pk=pk)})


def item_list(request):
    return render(request, "reference/list.html", {"items": Item.objects.order_by("starts_at")[:20]})


@cache_page(300)
def cached(request):
    return render(request, "reference/list.html", {"items": Item.objects.order_by("starts_at")[:20]})


@csrf_exempt
def book(request):
    """The floor of a registration: lock the slot, count, insert, in one transaction."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=1)
        confirmed = Booking.objects.filter(slot=slot, confirmed=True).count() < slot.capacity
        Booking.objects.create(slot=slot, person=request.POST["person"], confirmed=confirmed)
    return HttpResponse("confirmed" if confirmed else "waitlisted")


def healthz(request):
    return HttpResponse("ok")
