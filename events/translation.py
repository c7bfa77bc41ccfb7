"""Which organiser-written fields exist in English and Russian (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from events.models import Series, Session, SessionMaterial, Speaker


@register(Series)
class SeriesTranslation(TranslationOptions):
    fields = ("title", "tagline", "description", "organiser_name")
    required_languages = {"en": ("title", "organiser_name")}


@register(Session)
class SessionTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "cancellation_note")
    required_languages = {"en": ("title", "summary")}


@register(Speaker)
class SpeakerTranslation(TranslationOptions):
    fields = ("name", "position", "organisation", "bio")
    required_languages = {"en": ("name",)}


@register(SessionMaterial)
class SessionMaterialTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = ("en",)
