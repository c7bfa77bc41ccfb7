"""The ALTCHA widget's challenge endpoint: a fresh signed challenge per request, never cached."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from registrations import proof_of_work


@never_cache
@require_safe
def challenge(request):
    response = JsonResponse(proof_of_work.create_challenge())
    response["X-Robots-Tag"] = "noindex"
    return response
