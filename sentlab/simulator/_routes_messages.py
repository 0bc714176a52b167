"""The live API's messages routes beyond the 2024 docs: messages lists, summaries, cancel, resend.

What the official SDK (0.46) adds: the messages lists, a contact's message summary, and
cancelling or resending a message.

``GET /v3/conversations`` lists every message of the caller's scope (outbound and inbound),
newest first; ``GET /v3/conversations/{id}`` one contact's thread (a conversation is one contact
across every channel, so its id is the contact's).
"""

from __future__ import annotations

from starlette.responses import Response

from . import _validation as v
from . import _wire as wire
from ._envelope import ok, ok_items
from ._handler import Call, RouteSpec, pagination, sandboxed

__all__ = ["ROUTES"]


def list_conversations(call: Call) -> Response:
    page, page_size = v.page_params(call.query)
    messages, total = call.account.message_page(call.scope, page, page_size)
    return ok_items(call.request, "messages", messages, {"pagination": pagination(page, page_size, total)})


def list_conversation_messages(call: Call) -> Response:
    contact = call.account.conversation_contact(call.scope, call.path_id())
    page, page_size = v.page_params(call.query)
    messages, total = call.account.message_page(call.scope, page, page_size, contact=contact)
    return ok_items(call.request, "messages", messages, {"pagination": pagination(page, page_size, total)})


def get_message_summary(call: Call) -> Response:
    i = call.account.contact_index(call.scope, call.path_id("contact_id"))
    return ok(call.request, wire.message_summary(call.records, call.scope, i))


def cancel_message(call: Call) -> Response:
    return sandboxed(call, call.account.cancel_message(call.scope, call.path_id(), dry_run=call.sandbox))


def resend_message(call: Call) -> Response:
    return sandboxed(call, call.account.resend_message(call.scope, call.path_id(), dry_run=call.sandbox), 202)


ROUTES: list[RouteSpec] = [
    ("/v3/conversations", list_conversations, "GET"),
    ("/v3/conversations/{id}", list_conversation_messages, "GET"),
    ("/v3/contacts/{contact_id}/message-summary", get_message_summary, "GET"),
    ("/v3/messages/{id}/cancel", cancel_message, "POST"),
    ("/v3/messages/{id}/resend", resend_message, "POST"),
]
