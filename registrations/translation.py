"""Which organiser-written fields of registrations exist in English and Russian (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from registrations.outbox_models import OrganiserMessage


@register(OrganiserMessage)
class OrganiserMessageTranslation(TranslationOptions):
    fields = ("subject", "body")
    required_languages = {"en": ("subject", "body")}


# The privacy notice (issue 8): organisers write each version in EN and RU.
from registrations.privacy_models import PrivacyNotice  # noqa: E402 (kept beside its registration)


@register(PrivacyNotice)
class PrivacyNoticeTranslation(TranslationOptions):
    fields = ("summary", "body")
    required_languages = {"en": ("body",)}
