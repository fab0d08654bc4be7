"""What every part of the service stands on: configuration from `TRUSTSITE_*` (`config`), the
database (`db`, `models`, Alembic `migrate` and `migrations/`), readable logs with tokens
redacted (`logging_setup`) and Prometheus `metrics`.
"""
