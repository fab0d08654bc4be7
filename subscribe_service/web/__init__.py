"""The HTTP edge: the subscription API (`api`), problem+json errors (`problems`), security
headers and origin checks (`security`), rate limits (`limits`), input rules (`validation`),
the OpenAPI document, purpose-bound `tokens` and the `links` built from them, HTML page
helpers and the health check.
"""
