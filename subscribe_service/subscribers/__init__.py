"""A subscriber's life: the API under /api/ (`api`, its input `parse`, its OpenAPI
paths), unconfirmed -> confirmed -> unsubscribed (`lifecycle`), the pages behind the
personal links (`confirm`, `manage`, `unsubscribe`, `export`) and their limits
(`link_limits`), the three mails (`mails`), the data export and erasure (`privacy`) and
the purge of stale rows (`retention`).
"""
