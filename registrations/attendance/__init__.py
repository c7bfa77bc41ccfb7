"""Attendance from webinar platforms' reports: pure parsers (`parsers`) and the workflows (`services`)."""
