"""Exports and reports: CSV downloads, the meeting pack and its CLI
(``python -m reports``). Works without the UI."""
