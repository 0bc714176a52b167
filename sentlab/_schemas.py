"""Declared schemas of sentlab's frames: column -> dtype -> one-line description, as data.

The same declarations drive the builder (``sentlab._frames``), the empty frames, the
documentation (``docs/frames.md``) and ``sentlab.schema(name)`` for users.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# Logical kinds -> the pandas dtype each becomes. Kept in one place so every frame agrees.
KIND_DTYPES: dict[str, str] = {
    "str": "str",  # pandas 3 default string dtype (missing = NaN)
    "category": "category",  # open set: categories are whatever the data holds
    "timestamp": "datetime64[ns, UTC]",  # ns: the API writes 7-digit (100 ns) fractions
    "money": "Float64",
    "int": "Int64",
    "bool": "boolean",
    "list": "object",  # Python lists (or null)
    "object": "object",  # nested JSON kept as dicts
}


@dataclass(frozen=True)
class Column:
    """One declared column: its name, logical kind (see ``KIND_DTYPES``) and meaning."""

    name: str
    kind: str
    description: str

    @property
    def dtype(self) -> str:
        return KIND_DTYPES[self.kind]


def _cols(*rows: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*row) for row in rows)


_PROFILE_ID = ("profile_id", "str", "Profile the record was fetched for (organization keys pulling child profiles)")

SCHEMAS: dict[str, tuple[Column, ...]] = {
    "contacts": _cols(
        ("id", "str", "Contact id (UUID)"),
        ("phone_number", "str", "Phone number as stored, usually E.164"),
        ("format_e164", "str", "E.164 form, e.g. +14155551234"),
        ("format_international", "str", "International display form"),
        ("format_national", "str", "National display form"),
        ("format_rfc", "str", "RFC 3966 tel: URI"),
        ("country_code", "str", "Country calling code, e.g. '1'"),
        ("region_code", "category", "ISO 3166 region of the number, e.g. 'US'"),
        ("available_channels", "list", "Channels the contact can be reached on (from the comma-separated string)"),
        ("default_channel", "category", "Channel used when none is given"),
        ("opt_out", "bool", "Contact opted out of messages"),
        ("is_inherited", "bool", "Contact inherited from the parent organization"),
        ("customer_id", "str", "Owning customer (SDK field; absent in the docs' example)"),
        ("created_at", "timestamp", "Creation time (UTC)"),
        ("updated_at", "timestamp", "Last update time (UTC)"),
        _PROFILE_ID,
    ),
    "templates": _cols(
        ("id", "str", "Template id (UUID)"),
        ("name", "str", "Template name"),
        ("category", "category", "MARKETING, UTILITY, AUTHENTICATION (open set)"),
        ("language", "category", "Language tag, e.g. en_US"),
        ("status", "category", "APPROVED, PENDING, REJECTED (open set)"),
        ("channels", "list", "Channels the template can be sent on"),
        ("variables", "list", "Variable names the template expects"),
        ("is_published", "bool", "Template is published"),
        ("customer_id", "str", "Owning customer (SDK field)"),
        ("created_at", "timestamp", "Creation time (UTC)"),
        ("updated_at", "timestamp", "Last update time (UTC)"),
        _PROFILE_ID,
    ),
    "webhooks": _cols(
        ("id", "str", "Webhook id (UUID)"),
        ("display_name", "str", "Name shown in the dashboard"),
        ("endpoint_url", "str", "URL events are POSTed to"),
        ("is_active", "bool", "Webhook is enabled"),
        ("has_signing_secret", "bool", "A signing secret is set (the secret itself is never kept)"),
        ("event_types", "list", "Event families delivered, e.g. ['messages', 'templates']"),
        ("retry_count", "int", "Delivery retries before giving up"),
        ("timeout_seconds", "int", "Delivery timeout"),
        ("last_delivery_attempt_at", "timestamp", "Last delivery attempt (UTC)"),
        ("last_successful_delivery_at", "timestamp", "Last successful delivery (UTC)"),
        ("consecutive_failures", "int", "Failed deliveries in a row"),
        ("created_at", "timestamp", "Creation time (UTC)"),
        ("updated_at", "timestamp", "Last update time (UTC)"),
        _PROFILE_ID,
    ),
    "webhook_events": _cols(
        ("id", "str", "Delivery event id"),
        ("webhook_id", "str", "Webhook the event was delivered to"),
        ("event_type", "category", "e.g. message.delivered (open set)"),
        ("delivery_status", "category", "Outcome of the POST to the endpoint (old shape: status)"),
        ("http_status_code", "int", "Endpoint's HTTP status (old shape: response_status_code)"),
        ("response_body", "str", "Endpoint's response body"),
        ("delivery_attempts", "int", "POST attempts made"),
        ("error_message", "str", "Delivery error, if any"),
        ("created_at", "timestamp", "When the delivery event was created (UTC)"),
        ("processing_started_at", "timestamp", "Delivery processing start (UTC)"),
        ("processing_completed_at", "timestamp", "Delivery processing end (UTC)"),
        ("field", "category", "event_data.field: event family, e.g. message, templates (2024 docs: messages)"),
        ("event", "category", "event_data.event, e.g. message.delivered, message.received"),
        ("event_timestamp", "timestamp", "event_data.timestamp: when Sent emitted the event (UTC)"),
        ("request_id", "str", "event_data.request_id"),
        ("message_id", "str", "payload.message_id"),
        ("message_status", "category", "payload.message_status: QUEUED, SENT, DELIVERED, READ, FAILED... (open set)"),
        ("channel", "category", "payload.channel: sms, whatsapp..."),
        ("template_id", "str", "payload.template_id"),
        ("template_name", "str", "payload.template_name"),
        ("outbound_number", "str", "payload.outbound_number: the recipient's number (message.received: your number)"),
        ("updated_at", "timestamp", "payload.updated_at: when the status changed (UTC)"),
        ("account_id", "str", "payload.account_id"),
        ("body", "str", "payload.body: message text"),
        ("reason_code", "category", "payload.reason_code (FAILED, FILTERED, BLOCKED only)"),
        ("reason", "str", "payload.reason (FAILED, FILTERED, BLOCKED only)"),
        ("scheduled_at", "timestamp", "payload.scheduled_at: release time of a held message (message.scheduled, .cancelled; UTC)"),
        ("schedule_reason", "category", "payload.schedule_reason: scheduled or quiet_hours (message.scheduled)"),
        ("inbound_number", "str", "payload.inbound_number: the contact's number (message.received)"),
        ("received_at", "timestamp", "payload.received_at: when the inbound message arrived (message.received; UTC)"),
        ("text", "str", "payload.text: the inbound message's text (message.received)"),
        _PROFILE_ID,
    ),
    "messages": _cols(
        ("id", "str", "Message id"),
        ("customer_id", "str", "Owning customer"),
        ("contact_id", "str", "Recipient contact id"),
        ("phone", "str", "Recipient number, E.164"),
        ("phone_international", "str", "Recipient number, international display form"),
        ("region_code", "category", "Recipient's region (from details, else parsed from the number)"),
        ("channel", "category", "sms, whatsapp..."),
        ("direction", "category", "outbound / inbound (SDK field)"),
        ("template_id", "str", "Template id"),
        ("template_name", "str", "Template name"),
        ("template_category", "category", "MARKETING, UTILITY, AUTHENTICATION"),
        ("status", "category", "Latest status: the message's outcome (open set)"),
        ("created_at", "timestamp", "Creation time (UTC); from events: the earliest status time"),
        ("updated_at", "timestamp", "Time of the latest status (UTC)"),
        ("scheduled_at", "timestamp", "A held send: when it is (or was) to be released (UTC; SDK field)"),
        ("queued_at", "timestamp", "Time of QUEUED (UTC)"),
        ("processed_at", "timestamp", "Time of PROCESSED (UTC)"),
        ("routed_at", "timestamp", "Time of ROUTED (UTC)"),
        ("sent_at", "timestamp", "Time of SENT (UTC)"),
        ("delivered_at", "timestamp", "Time of DELIVERED (UTC)"),
        ("read_at", "timestamp", "Time of READ (UTC)"),
        ("failed_at", "timestamp", "Time of FAILED (UTC)"),
        ("filtered_at", "timestamp", "Time of FILTERED: stopped by the platform (UTC)"),
        ("blocked_at", "timestamp", "Time of BLOCKED: stopped by an account precondition (UTC)"),
        ("cancelled_at", "timestamp", "Time of CANCELLED: a held send called off (UTC)"),
        ("received_at", "timestamp", "Time of RECEIVED: an inbound message (UTC)"),
        ("price", "money", "Channel cost, once per message (null until details are fetched)"),
        ("active_contact_price", "money", "Markup on top of the channel cost, once per message"),
        ("reason_code", "category", "Why the message is FAILED, FILTERED or BLOCKED: a platform code (DELIVERY_0xx, BUSINESS_0xx)"),
        ("reason", "str", "The reason code's sentence"),
        ("body", "str", "Message text (message_body.content, or .body in the data-models shape)"),
        ("body_header", "str", "message_body.header (text, or header.content)"),
        ("body_footer", "str", "message_body.footer (text, or footer.content)"),
        ("body_buttons", "list", "message_body.buttons as a list of dicts"),
        ("body_subject", "str", "message_body.subject (MMS)"),
        ("body_media", "list", "message_body.media: the attachments (MMS), a list of dicts"),
        ("source", "category", "Where the row came from: list, events, details, or events+details"),
        _PROFILE_ID,
    ),
    "activities": _cols(
        ("message_id", "str", "Message id"),
        ("status", "category", "Status reached (open set)"),
        ("description", "str", "Human-readable description"),
        ("timestamp", "timestamp", "When the status was reached (UTC)"),
        ("price", "money", "Message price, repeated on every status after QUEUED: do not sum"),
        ("active_contact_price", "money", "Markup, repeated like price: do not sum"),
        ("reason_code", "category", "Failure reason code (SDK field)"),
        ("reason", "str", "Failure reason (SDK field)"),
        ("from", "str", "Sender number (SDK field)"),
        ("scheduled_at", "timestamp", "Scheduled send time (SDK field, UTC)"),
        _PROFILE_ID,
    ),
    "number_lookups": _cols(
        ("phone_number", "str", "Number looked up"),
        ("is_valid", "bool", "Number is valid"),
        ("carrier_name", "str", "Carrier"),
        ("line_type", "category", "mobile, landline, voip..."),
        ("country_code", "category", "Region of the number, e.g. US"),
        ("mobile_country_code", "str", "MCC"),
        ("mobile_network_code", "str", "MNC"),
        ("is_ported", "bool", "Number was ported"),
        ("is_voip", "bool", "Number is VoIP"),
    ),
    "profiles": _cols(
        ("id", "str", "Profile id"),
        ("organization_id", "str", "Parent organization id"),
        ("name", "str", "Profile name"),
        ("email", "str", "Contact email"),
        ("icon", "str", "Icon URL"),
        ("description", "str", "Description"),
        ("short_name", "str", "Short name"),
        ("status", "category", "Onboarding status, e.g. approved"),
        ("created_at", "timestamp", "Creation time (UTC)"),
        ("updated_at", "timestamp", "Last update time (UTC)"),
        ("allow_contact_sharing", "bool", "Shares contacts with the organization"),
        ("allow_template_sharing", "bool", "Shares templates with the organization"),
        ("inherit_contacts", "bool", "Inherits the organization's contacts"),
        ("inherit_templates", "bool", "Inherits the organization's templates"),
        ("inherit_tcr_brand", "bool", "Inherits the organization's TCR brand"),
        ("inherit_tcr_campaign", "bool", "Inherits the organization's TCR campaign"),
        ("billing_model", "category", "organization / profile"),
        ("sending_phone_number_profile_id", "str", "Profile whose SMS number is used"),
        ("sending_whatsapp_number_profile_id", "str", "Profile whose WhatsApp number is used"),
        ("sending_phone_number", "str", "SMS sending number"),
        ("whatsapp_phone_number", "str", "WhatsApp sending number"),
        ("allow_number_change_during_onboarding", "bool", "Number may change during onboarding"),
        ("waba_id", "str", "WhatsApp Business Account id"),
        ("brand_id", "str", "brand.id"),
        ("billing_contact", "object", "Billing contact (dict)"),
        ("brand", "object", "Brand, as the API returns it (dict)"),
        # flattened from brand (ProfileDetail.brand, SDK 0.46) and billing_contact
        ("brand_status", "category", "brand.status: ACTIVE, INACTIVE, SUSPENDED (null until registered)"),
        ("brand_identity_status", "category", "brand.identity_status: SELF_DECLARED, UNVERIFIED, VERIFIED, VETTED_VERIFIED"),
        ("brand_tcr_brand_id", "str", "brand.tcr_brand_id: the registry's id, once registered"),
        ("brand_is_inherited", "bool", "brand.is_inherited: the organization's brand"),
        ("brand_submitted_to_tcr", "bool", "brand.submitted_to_tcr"),
        ("brand_submitted_at", "timestamp", "brand.submitted_at: submitted to TCR (UTC)"),
        ("brand_legal_name", "str", "brand.business.legal_name"),
        ("brand_entity_type", "category", "brand.business.entity_type, e.g. PRIVATE_PROFIT"),
        ("brand_country", "category", "brand.business.country, e.g. US"),
        ("brand_vertical", "category", "brand.compliance.vertical, e.g. RETAIL"),
        ("brand_relationship", "category", "brand.compliance.brand_relationship, e.g. SMALL_ACCOUNT"),
        ("brand_destination_countries", "list", "brand.compliance.destination_countries: the ids (e.g. ['US'])"),
        ("billing_contact_name", "str", "billing_contact.name"),
        ("billing_contact_email", "str", "billing_contact.email"),
    ),
    "users": _cols(
        ("id", "str", "User id"),
        ("customer_id", "str", "Whose user this is: the organization's or a profile's id (SDK field)"),
        ("email", "str", "Email"),
        ("name", "str", "Name"),
        ("role", "category", "admin, developer, billing..."),
        ("status", "category", "active, invited..."),
        ("invited_at", "timestamp", "Invitation time (UTC)"),
        ("last_login_at", "timestamp", "Last login (UTC)"),
        ("created_at", "timestamp", "Creation time (UTC)"),
        ("updated_at", "timestamp", "Last update time (UTC)"),
        _PROFILE_ID,
    ),
}

# The rest of the account (issue 10): voice calls, per-contact message summaries, 10DLC campaigns.
SCHEMAS.update({
    "calls": _cols(
        ("id", "str", "Call id (UUID; the one call webhooks carry)"),
        ("direction", "category", "outbound (placed from your app) / inbound (to one of your numbers)"),
        ("status", "category", "INITIATED, RINGING, ANSWERED (live); COMPLETED, FAILED, NO_ANSWER, REJECTED (open set)"),
        ("from_kind", "category", "from.kind: user (an app user), number, conference (a room), anonymous"),
        ("from", "str", "from.value: the app user's identity, the E.164 number or the room (null when anonymous)"),
        ("to_kind", "category", "to.kind: user, number, conference, anonymous"),
        ("to", "str", "to.value"),
        ("region_code", "category", "Region of the far end's phone number (the caller for inbound calls, the callee for outbound); null without one"),
        ("started_at", "timestamp", "When the call was placed (UTC)"),
        ("answered_at", "timestamp", "When it was answered (UTC); null until then, always null between two app users"),
        ("ended_at", "timestamp", "When it ended (UTC); null while live"),
        ("duration_seconds", "int", "Billable duration; null while live, 0 if it never connected"),
        ("price", "money", "What the call cost (no markup on calls); null until priced"),
        ("failure_reason", "category", "callback_timeout, invalid_answer, insufficient_balance, destination_blocked, callback_not_configured, rejected, no_answer (open set)"),
        ("recording_available", "bool", "A recording of the call is available"),
        ("number", "str", "Your number that owns the call (E.164): the dialled one inbound, the caller's bound line outbound"),
        ("mode", "category", "Calling mode, e.g. inapp"),
        _PROFILE_ID,
    ),
    "contact_summaries": _cols(
        ("contact_id", "str", "Contact id"),
        ("channel", "category", "A channel the contact's messages used (one row each); null for a contact with no messages"),
        ("message_count", "int", "Messages exchanged with the contact, all channels (the API gives no per-channel count)"),
        ("first_message_at", "timestamp", "First message with the contact (UTC)"),
        ("last_message_at", "timestamp", "Latest message with the contact (UTC)"),
        ("success_score", "int", "% (0-100) of the channel's messages that reached SENT, DELIVERED, READ (outbound) or RECEIVED (inbound)"),
        ("fail_score", "int", "% (0-100) of the channel's messages that ended FAILED"),
        ("channels_used", "list", "Every channel the contact's messages used"),
        ("profile_id", "str", "Profile whose messages are summarised (the organization's id for its own); a contact the organization shares is summarised once per profile that sees it"),
    ),
    "campaigns": _cols(
        ("id", "str", "Campaign id"),
        ("name", "str", "Campaign name"),
        ("status", "category", "SENT_CREATED (draft, under review or bounced), ACTIVE, EXPIRED (open set)"),
        ("type", "category", "Campaign type, e.g. App, KYC"),
        ("use_case", "category", "The first use case's messagingUseCaseUs, e.g. MARKETING, ACCOUNT_NOTIFICATION"),
        ("use_cases", "list", "Every use case's messagingUseCaseUs"),
        ("sample_messages", "list", "Sample messages of every use case"),
        ("description", "str", "Description"),
        ("brand_id", "str", "Brand the campaign is registered for (brandId)"),
        ("customer_id", "str", "Owner (customerId): a profile's id, or the organization's for campaigns profiles inherit"),
        ("created_at", "timestamp", "createdAt (UTC)"),
        ("updated_at", "timestamp", "updatedAt (UTC)"),
        ("submitted_at", "timestamp", "submittedAt: sent to the registry (UTC)"),
        ("billed_date", "timestamp", "billedDate: accepted by the registry and first billed, i.e. when it became ACTIVE (UTC)"),
        ("dca_elections_completed_at", "timestamp", "dcaElectionsCompletedAt: every carrier elected, ready for traffic (UTC)"),
        ("dca_elections_complete", "bool", "dcaElectionsComplete"),
        ("submitted_to_tcr", "bool", "submittedToTCR: submitted and not bounced"),
        ("has_submission_transaction", "bool", "hasSubmissionTransaction: the one-time submission fee was charged"),
        ("tcr_campaign_id", "str", "tcrCampaignId: the registry's id, once accepted"),
        ("tcr_sync_error", "str", "tcrSyncError: why a submission did not reach the registry"),
        ("cost", "money", "cost: the monthly registry fee, once billed"),
        ("volume", "int", "volume: expected messages (a numeric string in the API)"),
        ("message_flow", "str", "messageFlow: how recipients opt in"),
        ("help_keywords", "str", "helpKeywords"),
        ("help_message", "str", "helpMessage"),
        ("optin_keywords", "str", "optinKeywords"),
        ("optin_message", "str", "optinMessage"),
        ("optout_keywords", "str", "optoutKeywords"),
        ("optout_message", "str", "optoutMessage"),
        ("privacy_policy_link", "str", "privacyPolicyLink"),
        ("terms_and_conditions_link", "str", "termsAndConditionsLink"),
        ("profile_id", "str", "Owner of the campaign: the profile, or the organization's id for campaigns profiles inherit"),
        ("profile_ids", "list", "Profiles whose campaigns list shows it: its owner, or every profile inheriting the organization's campaigns"),
    ),
})  # fmt: skip

# Friendly alternative names of frames (the CLI says "events").
FRAME_ALIASES: dict[str, str] = {"events": "webhook_events", "lookups": "number_lookups", "numbers": "number_lookups",
                                 "summaries": "contact_summaries", "conversations": "messages"}  # fmt: skip

#: Other names the API gives a column's field, per frame: record field -> column. Where a batch
#: holds both, the column's own name wins.
FIELD_ALIASES: dict[str, dict[str, str]] = {
    # the older webhook-event shape
    "webhook_events": {"status": "delivery_status", "response_status_code": "http_status_code"},
    # BrandCampaign's camelCase (the SDK's aliases) -> the SDK's snake_case attribute names
    "campaigns": {
        "billedDate": "billed_date", "brandId": "brand_id", "createdAt": "created_at", "customerId": "customer_id",
        "dcaElectionsComplete": "dca_elections_complete", "dcaElectionsCompletedAt": "dca_elections_completed_at",
        "hasSubmissionTransaction": "has_submission_transaction", "helpKeywords": "help_keywords",
        "helpMessage": "help_message", "messageFlow": "message_flow", "optinKeywords": "optin_keywords",
        "optinMessage": "optin_message", "optoutKeywords": "optout_keywords", "optoutMessage": "optout_message",
        "privacyPolicyLink": "privacy_policy_link", "submittedAt": "submitted_at",
        "submittedToTCR": "submitted_to_tcr", "tcrCampaignId": "tcr_campaign_id", "tcrSyncError": "tcr_sync_error",
        "termsAndConditionsLink": "terms_and_conditions_link", "updatedAt": "updated_at", "useCases": "use_cases",
    },
}  # fmt: skip


def frame_name(name: str) -> str:
    """The canonical frame name for ``name`` (aliases allowed); ValueError listing the choices."""
    canonical = FRAME_ALIASES.get(name, name)
    if canonical not in SCHEMAS:
        raise ValueError(f"unknown frame {name!r}; choose one of: {', '.join(SCHEMAS)}")
    return canonical


def columns(name: str) -> tuple[Column, ...]:
    """The declared columns of frame ``name``, in order."""
    return SCHEMAS[frame_name(name)]


def schema(name: str) -> pd.DataFrame:
    """The declared columns of a frame: one row per column with its dtype and meaning.

    >>> import sentlab
    >>> sentlab.schema("messages").head(3)
            column dtype           description
    0           id   str            Message id
    1  customer_id   str       Owning customer
    2   contact_id   str  Recipient contact id
    """
    cols = columns(name)
    return pd.DataFrame(
        {
            "column": [c.name for c in cols],
            "dtype": [c.dtype for c in cols],
            "description": [c.description for c in cols],
        }
    )
