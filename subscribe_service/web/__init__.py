"""The HTTP edge: the subscription API (`api`), problem+json errors (`problems`), security
headers and origin checks (`security`), the guard every body passes (`body_guard`), rate
limits per IP, address (`limits`) and personal link (`link_limits`), input rules
(`validation`), the OpenAPI document, purpose-bound `tokens` and the `links` built from
them, HTML page helpers and the health check.
"""
