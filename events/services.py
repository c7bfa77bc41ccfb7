"""State changes of series content: the one path for each (STYLE.md §2).

Sessions change status only here (`publish_session`, `unpublish_session`); speaker photos are
stored and replaced only here (`set_speaker_photo`, `remove_speaker_photo`).
"""

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext

from events.models import Session, Speaker
from events.photos import ProcessedPhoto, process_speaker_photo


@transaction.atomic
def publish_session(*, session: Session) -> Session:
    """Make a draft session public.

    Side effects: locks the session row, sets `status` to published and saves it. Raises
    `ValidationError` if the session is not a draft (a cancelled session is not brought back
    here: reinstating one must tell its registrants, which is a separate workflow) or if it
    does not pass `full_clean()`. Sends no email: nobody has registered for a draft.
    """
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.DRAFT:
        raise ValidationError(gettext("Only a draft session can be published."), code="not_draft")
    session.status = Session.Status.PUBLISHED
    session.full_clean()
    session.save(update_fields=["status", "updated_at"])
    return session


@transaction.atomic
def unpublish_session(*, session: Session) -> Session:
    """Move a published session back to draft, hiding it from the public site.

    Side effects: locks the session row, sets `status` to draft and saves it. Raises
    `ValidationError` if the session is not published (cancelled sessions stay visible with
    their cancellation note). Sends no email.
    """
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.PUBLISHED:
        raise ValidationError(gettext("Only a published session can be moved back to draft."), code="not_published")
    session.status = Session.Status.DRAFT
    session.full_clean()
    session.save(update_fields=["status", "updated_at"])
    return session


@transaction.atomic
def set_speaker_photo(*, speaker: Speaker, upload: File | ProcessedPhoto) -> Speaker:
    """Store a new photo and thumbnail for `speaker`, replacing any previous ones.

    `upload` is the uploaded file, or the `ProcessedPhoto` a form already made from it with
    `process_speaker_photo()` (which saves decoding it twice). Raises `ValidationError` for a file
    that is not an acceptable image, and then changes nothing.

    Side effects: writes two new JPEG files under random names to the default storage, saves the
    speaker's `photo` and `photo_thumbnail`, and deletes the previous files once the transaction
    commits (not before, so a rollback leaves the old photo intact).
    """
    processed = upload if isinstance(upload, ProcessedPhoto) else process_speaker_photo(upload)
    old_names = _photo_names(speaker)
    speaker.photo.save(processed.photo.name, processed.photo, save=False)
    speaker.photo_thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
    speaker.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
    _delete_files_on_commit(speaker, old_names)
    return speaker


@transaction.atomic
def remove_speaker_photo(*, speaker: Speaker) -> Speaker:
    """Remove the speaker's photo and thumbnail.

    Side effects: clears `photo` and `photo_thumbnail`, saves the speaker, and deletes both files
    from storage once the transaction commits.
    """
    old_names = _photo_names(speaker)
    speaker.photo = ""
    speaker.photo_thumbnail = ""
    speaker.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
    _delete_files_on_commit(speaker, old_names)
    return speaker


def _photo_names(speaker: Speaker) -> list[str]:
    return [name for name in (speaker.photo.name, speaker.photo_thumbnail.name) if name]


def _delete_files_on_commit(speaker: Speaker, names: list[str]) -> None:
    storage = speaker.photo.storage
    kept = set(_photo_names(speaker))

    def delete() -> None:
        for name in names:
            if name not in kept:
                storage.delete(name)

    transaction.on_commit(delete)
