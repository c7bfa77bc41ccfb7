import pytest
from django.utils.csp import CSP

from events.checks import check_content_security_policy


def error_ids(settings_policy, settings):
    settings.SECURE_CSP = settings_policy
    return sorted({error.id for error in check_content_security_policy()})


def test_shipped_policy_passes():
    assert check_content_security_policy() == []


def test_missing_policy_fails(settings):
    assert error_ids({}, settings) == ["decoded.E002"]


def test_missing_middleware_fails(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "csp" not in m]

    assert [error.id for error in check_content_security_policy()] == ["decoded.E001"]


@pytest.mark.parametrize(
    ("directive", "sources", "expected"),
    [
        ("script-src", [CSP.SELF, CSP.NONCE, CSP.UNSAFE_INLINE], ["decoded.E005"]),
        ("script-src", [CSP.SELF], ["decoded.E004"]),
        ("style-src", [CSP.SELF, "https://fonts.googleapis.com"], ["decoded.E005"]),
        ("img-src", [CSP.SELF, "*"], ["decoded.E005"]),
        ("object-src", [CSP.SELF], ["decoded.E003"]),
        ("frame-ancestors", [CSP.SELF], ["decoded.E003"]),
        ("connect-src", [CSP.SELF, "data:"], ["decoded.E005"]),
    ],
)
def test_weakened_policy_fails(settings, directive, sources, expected):
    policy = {**settings.SECURE_CSP, directive: sources}

    assert error_ids(policy, settings) == expected


def test_dropping_a_required_directive_fails(settings):
    policy = {key: value for key, value in settings.SECURE_CSP.items() if key != "base-uri"}

    assert error_ids(policy, settings) == ["decoded.E003"]
