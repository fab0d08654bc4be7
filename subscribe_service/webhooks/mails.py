"""The two mails to an endpoint's owner: the confirmation link, and "your webhook is
paused". Rendered at send time like every mail: None (cancelled) when the endpoint is
gone, or when it is no longer in the state the mail is about."""

from __future__ import annotations

from sqlalchemy.orm import Session

from subscribe_service.identity.addresses import address_key
from subscribe_service.identity.tokens import HOUR, PURPOSES
from subscribe_service.infra.models import OutboxMessage
from subscribe_service.mail.message import RenderedMail
from subscribe_service.mail.renderers import render_mail
from subscribe_service.subscribers.mails import account_list_id
from subscribe_service.webhooks.models import EndpointStatus, WebhookEndpoint
from subscribe_service.webhooks.pages import confirm_url, manage_url


def _endpoint(session: Session, message: OutboxMessage) -> WebhookEndpoint | None:
    endpoint = session.get(WebhookEndpoint, int(message.payload.get("endpoint", 0)))
    if endpoint is None or address_key(endpoint.email) != address_key(message.recipient):
        return None
    return endpoint


def render_confirm(session: Session, message: OutboxMessage) -> RenderedMail | None:
    endpoint = _endpoint(session, message)
    if endpoint is None or endpoint.status != EndpointStatus.PENDING:
        return None
    return render_mail(
        "webhook_confirm",
        subject="Confirm your webhook",
        list_id=account_list_id(),
        unsubscribe_url=None,
        endpoint=endpoint,
        confirm_url=confirm_url(endpoint),
        valid_hours=(PURPOSES["webhook-confirm"] or 0) // HOUR,
    )


def render_paused(session: Session, message: OutboxMessage) -> RenderedMail | None:
    endpoint = _endpoint(session, message)
    if endpoint is None or endpoint.status != EndpointStatus.PAUSED:
        return None
    return render_mail(
        "webhook_paused",
        subject="Your webhook is paused",
        list_id=account_list_id(),
        unsubscribe_url=None,
        endpoint=endpoint,
        manage_url=manage_url(endpoint),
        last_error=str(message.payload.get("last_error") or ""),
    )
