"""Requests the trust center takes besides subscriptions: a copy of the current DPA, and
data subject requests to be referred to the controller (`views`, `forms`, `records`,
`mails`, `retention`, `cli`), and gated security report requests (`reports/`).

create_app (`_requests` in subscribe_service/__init__.py) wires them: the settings (the built
site's service.json), the blueprints, their rate limits and OpenAPI paths, the mail
renderers, the retention purges (chores of the polling sender) and the `requests`
command.
"""
