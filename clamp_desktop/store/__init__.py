"""Store: the SQLite library (schema under db/migrations). SQL lives only here."""

from .database import Database, migrate, migrations, schema_version
from .library import FileState, Library

__all__ = ["Database", "FileState", "Library", "migrate", "migrations", "schema_version"]
