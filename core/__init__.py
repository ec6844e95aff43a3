"""Shared foundations: settings, database access, embedded Postgres, migrations, logging."""
