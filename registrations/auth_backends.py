"""The site's authentication backends: Django's and allauth's, with the signed-in user that every
request of a signed-in person loads read by a statement built once per process.

Django loads `request.user` through the backend that signed the session in (its dotted path is
stored in the session): `ModelBackend.get_user()`, an ORM `get()` whose SQL is built again on
every request, about 10 % of a registration's CPU (py-spy, bench/rush_profile.py). Here the
same row comes from a `CompiledQuery` (events/compiled_queries.py); everything else (who may sign
in, how, the session's hash check in `django.contrib.auth.get_user()`) is Django's and allauth's.

Sessions signed in before these backends existed hold the former paths. `AuthenticationMiddleware`
moves them to the new ones before Django reads them, so nobody is signed out by the change.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import BACKEND_SESSION_KEY, backends, get_user_model
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware

from events.compiled_queries import CompiledQuery

_USER_BY_ID = CompiledQuery(lambda user_id: get_user_model()._default_manager.filter(pk=user_id), user_id=int)


class _CompiledUserLookup:
    def get_user(self, user_id):
        if type(user_id) is not int:  # what Django passes (the session's id through the key field)
            return super().get_user(user_id)
        user = _USER_BY_ID.first(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_CompiledUserLookup, backends.ModelBackend):
    """Django's: username and password (the admin's sign-in)."""


class AccountBackend(_CompiledUserLookup, AuthenticationBackend):
    """allauth's: every sign-in of the public site (an emailed code)."""


# Former path → path now, for sessions signed in before the change.
FORMER_BACKEND_PATHS = {
    "django.contrib.auth.backends.ModelBackend": f"{__name__}.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": f"{__name__}.AccountBackend",
}


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, after moving a session signed in through a former backend path to its new one
    (saved with the response, once per such session)."""

    def process_request(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            path = session.get(BACKEND_SESSION_KEY)
            if path in FORMER_BACKEND_PATHS:
                session[BACKEND_SESSION_KEY] = FORMER_BACKEND_PATHS[path]
        super().process_request(request)
