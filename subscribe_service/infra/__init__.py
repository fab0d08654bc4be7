"""What every part of the service stands on: configuration from `TRUSTSITE_*` (`config`),
the database (`db`, `models`, Alembic `migrate` and `migrations/`), the built site it reads
the company and its documents from (`published_site`: service.json), readable logs
(`logging_setup`) with every token redacted (`redaction`). The lowest layer: it imports
no other folder of the service.
"""
