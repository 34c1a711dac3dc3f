"""Storage: SQLAlchemy 2 async models, repository and Alembic migrations.

SQLite by default; PostgreSQL when DATABASE_URL is set. Import the modules themselves
(`bot.storage.repository`, `bot.storage.changes`, `bot.storage.records`): the package imports
nothing, so the pure records and changes the flows use do not load SQLAlchemy.
"""
