"""For `make run` only, never used in production: the development server (`server`: site +
service + sender on one port, built for the port it serves with `data`), the local SMTP sink
and the mail viewer at /_dev/mail (`smtpsink`, `mailview`). Serving the built site from the
service is web/devsite.py.
"""
