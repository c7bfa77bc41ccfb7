"""schema.org data about sessions, for search engines (JSON-LD).

Built as plain dicts from a session and absolute URLs; the join URL is never read here.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from events.models import Session

SCHEMA = "https://schema.org/"


def build_session_event(session: "Session", *, build_absolute_uri: "Callable[[str], str]") -> dict:
    """A schema.org `Event` for a public session.

    `build_absolute_uri` turns a site path into an absolute URL (`request.build_absolute_uri`).
    The event's location is the session *page*: the meeting link is secret (BRIEF.md).
    """
    page_url = build_absolute_uri(session.get_absolute_url())
    zone = session.zoneinfo
    performers = []
    for link in session.speakers_in_order:
        speaker = link.speaker
        person = {
            "@type": "Person",
            "name": speaker.name,
            "url": build_absolute_uri(speaker.get_absolute_url()),
        }
        if speaker.position:
            person["jobTitle"] = speaker.position
        if speaker.organisation:
            person["affiliation"] = {"@type": "Organization", "name": speaker.organisation}
        performers.append(person)
    return {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": session.title,
        "description": session.summary,
        "url": page_url,
        "startDate": session.starts_at.astimezone(zone).isoformat(),
        "endDate": session.ends_at.astimezone(zone).isoformat(),
        "eventAttendanceMode": f"{SCHEMA}OnlineEventAttendanceMode",
        "eventStatus": f"{SCHEMA}EventCancelled" if session.is_cancelled else f"{SCHEMA}EventScheduled",
        "location": {"@type": "VirtualLocation", "url": page_url},
        "inLanguage": session.languages,
        "isAccessibleForFree": True,
        "performer": performers,
        "organizer": {
            "@type": "Organization",
            "name": session.series.organiser_name,
            "url": build_absolute_uri("/"),
        },
        "superEvent": {"@type": "EventSeries", "name": session.series.title},
    }
