"""A subscriber's life: unconfirmed -> confirmed -> unsubscribed (`lifecycle`), the pages
behind the personal links (`confirm`, `manage`, `unsubscribe`, `export`), the data export
and erasure (`privacy`) and the purge of stale rows (`retention`).
"""
