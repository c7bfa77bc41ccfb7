// Parse iCalendar files with Mozilla's ical.js and print what a calendar client would see, as JSON.
//
// Usage: node parse_ics.mjs FILE [FILE ...]
// Prints one JSON array with, per file: its METHOD and, per VEVENT, UID, SEQUENCE, STATUS and the
// start and end as UTC ISO instants. Every VTIMEZONE of a file is registered with
// ICAL.TimezoneService before any time is read, so TZID references resolve through the file's own
// definitions (as Thunderbird does for zones it does not know); a TZID that resolves to nothing
// is reported as "floating" so the test fails instead of guessing.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function instant(time) {
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function zoneOf(time) {
  return time.zone ? time.zone.tzid : "floating";
}

function parseFile(path) {
  const text = readFileSync(path, "utf8");
  const calendar = new ICAL.Component(ICAL.parse(text));
  ICAL.TimezoneService.reset();
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtimezone);
  }
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: vevent.getFirstPropertyValue("status"),
      summary: event.summary,
      description: event.description,
      start: instant(event.startDate),
      end: instant(event.endDate),
      start_zone: zoneOf(event.startDate),
      end_zone: zoneOf(event.endDate),
    };
  });
  return {
    method: calendar.getFirstPropertyValue("method"),
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    timezones: calendar.getAllSubcomponents("vtimezone").map((tz) => tz.getFirstPropertyValue("tzid")),
    events,
  };
}

process.stdout.write(JSON.stringify(process.argv.slice(2).map(parseFile)));
