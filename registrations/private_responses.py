"""No cache keeps a page that was made for a signed-in person.

Any page can carry personal data once someone is signed in (their address in "Signed in as …",
their places, allauth's MFA setup with a TOTP secret or recovery codes, the list of their
sessions, the admin), so every response to a signed-in request is marked `private, no-store`.
Views that already forbid storing (`never_cache`, token URLs) keep their own header. Responses
to signed-out visitors are untouched: public pages stay cacheable.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control


class NoStoreWhenSignedInMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", "") and self.is_signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def is_signed_in(request) -> bool:
        # Without a session cookie nobody is signed in; asking `request.user` then would load
        # the session and add `Vary: Cookie` to public responses (feeds, sitemap) for nothing.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        user = getattr(request, "user", None)
        return user is not None and user.is_authenticated
