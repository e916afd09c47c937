"""The warehouse and the app-state store, and the one door to SQL.

Modules:
- warehouse: the DuckDB warehouse published as versions behind a link (readers pin a version; writers publish a new one).
- appstate: the SQLite (WAL) store of what people write: users, sessions, comments, scenarios, audit.
- backup: back up and restore the current warehouse version and the store with a checked manifest; disk used.
- status: the service's health for a monitor (warehouse version and age, store writable, last ingest, stale councils).
- sql: the one door to SQL (named parameters only) and the shared fragments (a table's current drop, the period grid, rounding).
"""

__all__ = ['appstate', 'backup', 'sql', 'status', 'warehouse']
