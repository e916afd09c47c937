"""The warehouse and the app-state store, and the one door to SQL.

Modules:
- warehouse: the DuckDB warehouse published as versions behind a link (readers pin a version; writers publish a new one).
- appstate: the SQLite (WAL) store of what people write: users, sessions, comments, scenarios, audit.
- sql: the one door to SQL (named parameters only) and the shared fragments (a table's current drop, the period grid, rounding).
"""

__all__ = ['appstate', 'sql', 'warehouse']
