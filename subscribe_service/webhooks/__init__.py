"""Webhooks: change notices posted to the clients' own systems, Slack and Teams.

models (endpoints, deliveries), api (POST /api/webhooks), pages (the owner's confirm
and manage pages), mails (the owner's mails), formats (the event, Slack and Teams
bodies), outbound (the URL and address rules), multipost (the sender's POSTs, several
at once), deliveries (queueing, redelivery, failure record), store (the outbox store
with webhook rows), transport (the delivery engine's second transport), privacy
(export, erase), openapi. create_app wires them (`_webhooks`); docs/webhooks.md describes them.
"""
