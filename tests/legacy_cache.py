"""The count cache as schema version 1 wrote it (before the corpus column), for migration tests."""

SCHEMA_V1 = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta VALUES ('schema_version', '1');
    CREATE TABLE observations (id INTEGER PRIMARY KEY, source TEXT NOT NULL, method TEXT NOT NULL,
        task TEXT NOT NULL, window TEXT NOT NULL, year_from INTEGER, year_to INTEGER, year INTEGER,
        query TEXT NOT NULL, count INTEGER, status TEXT NOT NULL, error TEXT, fetched_at TEXT NOT NULL,
        duration_s REAL, tool_version TEXT);
"""
