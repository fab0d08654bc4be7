"""For `make run` only, never used in production: the development server (`server`: site +
service + sender on one port), the local SMTP sink and the mail viewer at /_dev/mail, and
serving the built site from the service (`site`).
"""
