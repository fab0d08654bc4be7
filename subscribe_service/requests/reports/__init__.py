"""Gated security report requests: the request and the team's decision (`gate`), their
rows (`models`), mails, views (the form post and the download), the PDF `stamp`, the
team's commands (`cli`) and OpenAPI paths.
"""
