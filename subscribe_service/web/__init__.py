"""The HTTP edge every part's views stand on: problem+json errors (`problems`), security
headers and origin checks (`security`), the guard every body passes (`body_guard`), reading
a body (`request_body`), rate limits per IP and address (`limits`), HTML page helpers
(`pages`), the OpenAPI document (the parts hand in their paths), Prometheus `metrics`, the
health check and, in development, the built site (`devsite`).
"""
