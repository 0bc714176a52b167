"""Records copied from the Sent v3 docs' example responses (sent-api-docs/api/**), plus the
alternative shapes NOTES.md says to accept."""

CONTACT = {
    "id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "phone_number": "+1234567890",
    "format_e164": "+1234567890", "format_international": "+1 234-567-890",
    "format_national": "(234) 567-890", "format_rfc": "tel:+1-234-567-890", "country_code": "1",
    "region_code": "US", "available_channels": "sms,whatsapp", "default_channel": "sms",
    "opt_out": False, "is_inherited": False, "created_at": "2026-04-08T15:54:52.1546567+00:00",
    "updated_at": None,
}  # fmt: skip

TEMPLATE = {
    "id": "7ba7b820-9dad-11d1-80b4-00c04fd430c8", "name": "Welcome Message", "category": "MARKETING",
    "language": "en_US", "status": "APPROVED", "channels": ["sms", "whatsapp"],
    "variables": ["name", "company"], "created_at": "2026-03-09T15:54:51.4421511+00:00",
    "updated_at": "2026-03-24T15:54:51.4421536+00:00", "is_published": True,
}  # fmt: skip

WEBHOOK = {
    "id": "d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8", "display_name": "Order Notifications",
    "endpoint_url": "https://example.com/webhooks/orders", "signing_secret": None, "is_active": True,
    "event_types": ["messages", "templates"], "retry_count": 3, "timeout_seconds": 30,
    "last_delivery_attempt_at": None, "last_successful_delivery_at": None, "consecutive_failures": 0,
    "created_at": "2026-01-15T10:30:00+00:00", "updated_at": None,
}  # fmt: skip

# The endpoint page's example: event_data is a serialization artefact.
EVENT_DEGENERATE = {
    "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "event_type": "message.delivered",
    "event_data": {"valueKind": "Undefined"}, "delivery_status": "delivered", "http_status_code": 200,
    "response_body": None, "delivery_attempts": 1, "error_message": None,
    "created_at": "2026-01-20T14:30:00+00:00", "processing_started_at": "2026-01-20T14:30:01+00:00",
    "processing_completed_at": "2026-01-20T14:30:02+00:00",
}  # fmt: skip


def event(message_id="m1", status="DELIVERED", updated_at="2026-04-08T13:55:02.1011577+00:00",
          event_id="e1", number="+14155551234", **payload_extra):  # fmt: skip
    """A webhook event row with the real envelope the SDK documents."""
    payload = {
        "message_id": message_id, "message_status": status, "channel": "sms",
        "template_id": "7ba7b820-9dad-11d1-80b4-00c04fd430c8", "template_name": "Welcome Message",
        "outbound_number": number, "updated_at": updated_at,
        "account_id": "550e8400-e29b-41d4-a716-446655440000", "body": "Welcome, John!",
        **payload_extra,
    }  # fmt: skip
    return {
        "id": event_id, "event_type": f"message.{status.lower()}",
        "event_data": {"field": "messages", "event": "message.status_updated",
                       "timestamp": updated_at, "request_id": "req_1", "payload": payload},
        "delivery_status": "delivered", "http_status_code": 200, "response_body": None,
        "delivery_attempts": 1, "error_message": None, "created_at": updated_at,
        "processing_started_at": updated_at, "processing_completed_at": updated_at,
    }  # fmt: skip


def inbound_event(message_id="in1", received_at="2026-04-08T14:10:00+00:00", event_id="e-in", text="Yes please",
                  contact="+447700900123", ours="+14155550100", field="message"):  # fmt: skip
    """A ``message.received`` row: the SDK's InboundMessageEventPayload (``outbound_number`` is *our* number)."""
    payload = {"message_id": message_id, "inbound_number": contact, "outbound_number": ours,
               "received_at": received_at, "updated_at": received_at,
               "account_id": "550e8400-e29b-41d4-a716-446655440000", "channel": "sms", "text": text}  # fmt: skip
    return {
        "id": event_id, "event_type": "message.received",
        "event_data": {"field": field, "event": "message.received", "timestamp": received_at,
                       "request_id": "req_2", "payload": payload},
        "delivery_status": "delivered", "http_status_code": 200, "response_body": None,
        "delivery_attempts": 1, "error_message": None, "created_at": received_at,
        "processing_started_at": received_at, "processing_completed_at": received_at,
    }  # fmt: skip


# data-models.md's older shape.
EVENT_OLD_SHAPE = {
    "id": "e-old", "webhook_id": "w1", "event_type": "message.sent",
    "payload": {"field": "messages", "event": "message.status_updated",
                "timestamp": "2026-04-08T13:54:57.101135+00:00",
                "payload": {"message_id": "m1", "message_status": "SENT", "channel": "sms"}},
    "status": "delivered", "response_status_code": 200, "created_at": "2026-04-08T13:54:57+00:00",
}  # fmt: skip

MESSAGE = {
    "id": "8ba7b830-9dad-11d1-80b4-00c04fd430c8", "customer_id": "550e8400-e29b-41d4-a716-446655440000",
    "contact_id": "550e8400-e29b-41d4-a716-446655440002", "phone": "+14155551234",
    "phone_international": "+1 415-555-1234", "region_code": "US",
    "template_id": "7ba7b820-9dad-11d1-80b4-00c04fd430c8", "template_name": "Welcome Message",
    "template_category": "UTILITY", "channel": "sms",
    "message_body": {"header": None, "content": "Welcome to our service, John! We're excited to have you.",
                     "footer": None, "buttons": None},
    "status": "DELIVERED", "created_at": "2026-04-08T13:54:52.0582733+00:00", "price": 0.0055,
    "active_contact_price": 0.015,
    "events": [
        {"status": "QUEUED", "timestamp": "2026-04-08T13:54:52.1007154+00:00", "description": "Message queued for sending"},
        {"status": "SENT", "timestamp": "2026-04-08T13:54:57.101135+00:00", "description": "Message sent via SMS"},
        {"status": "DELIVERED", "timestamp": "2026-04-08T13:55:02.1011577+00:00", "description": "Message delivered to recipient"},
    ],
}  # fmt: skip

# data-models.md's message_body shape.
MESSAGE_BODY_DATA_MODELS = {
    "body": "Your code is 123456",
    "header": {"type": "TEXT", "content": "Acme"},
    "footer": {"content": "Reply STOP to opt out"},
    "buttons": [{"type": "URL", "text": "Open", "url": "https://example.com"}],
}  # fmt: skip

ACTIVITIES = {
    "message_id": "8ba7b830-9dad-11d1-80b4-00c04fd430c8",
    "activities": [
        {"status": "DELIVERED", "description": "Message delivered to recipient", "timestamp": "2026-04-08T15:29:52.0471063+00:00", "price": "0.0450", "active_contact_price": "0.0050"},
        {"status": "SENT", "description": "Message sent via SMS", "timestamp": "2026-04-08T15:24:52.0474256+00:00", "price": "0.0450", "active_contact_price": "0.0050"},
        {"status": "PROCESSED", "description": "Message processed and queued for sending", "timestamp": "2026-04-08T15:23:52.0474273+00:00", "price": "0.0450", "active_contact_price": "0.0050"},
        {"status": "QUEUED", "description": "Message accepted and queued for processing", "timestamp": "2026-04-08T15:22:52.0474281+00:00", "price": None, "active_contact_price": None},
    ],
}  # fmt: skip

NUMBER_LOOKUP = {
    "phone_number": "+12025551234", "is_valid": True, "carrier_name": "T-Mobile", "line_type": "mobile",
    "country_code": "US", "mobile_country_code": "310", "mobile_network_code": "260",
    "is_ported": False, "is_voip": False,
}  # fmt: skip

PROFILE = {
    "id": "660e8400-e29b-41d4-a716-446655440001", "organization_id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Marketing Team", "email": "team@acme.com", "icon": "https://example.com/marketing-icon.png",
    "description": "Marketing department sender profile", "short_name": "MKT", "status": "approved",
    "created_at": "2026-01-08T15:54:52.0083562+00:00", "updated_at": "2026-04-03T15:54:52.008364+00:00",
    "allow_contact_sharing": True, "allow_template_sharing": False, "inherit_contacts": True,
    "inherit_templates": False, "inherit_tcr_brand": False, "inherit_tcr_campaign": False,
    "billing_model": "profile", "sending_phone_number_profile_id": None,
    "sending_whatsapp_number_profile_id": None, "sending_phone_number": None,
    "whatsapp_phone_number": None, "allow_number_change_during_onboarding": None, "waba_id": None,
    "billing_contact": None,
    "brand": {"id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "tcr_brand_id": None, "status": None,
              "contact": {"name": "John Smith"}, "business": {"country": "US"}},
}  # fmt: skip

USERS = [
    {"id": "880e8400-e29b-41d4-a716-446655440003", "email": "admin@acme.com", "name": "John Admin",
     "role": "admin", "status": "active", "invited_at": "2025-10-08T15:54:51.3313712+00:00",
     "last_login_at": "2026-04-08T13:54:51.3313758+00:00", "created_at": "2025-10-08T15:54:51.331377+00:00",
     "updated_at": "2026-04-07T15:54:51.3313778+00:00"},
    {"id": "990e8400-e29b-41d4-a716-446655440004", "email": "developer@acme.com", "name": "Jane Developer",
     "role": "developer", "status": "invited", "invited_at": "2026-04-06T15:54:51.33138+00:00",
     "last_login_at": None, "created_at": "2026-04-06T15:54:51.3313807+00:00",
     "updated_at": "2026-04-06T15:54:51.3313813+00:00"},
]  # fmt: skip

# No 2024 docs for these: the SDK's shapes (sentdm 0.46: Call, ContactMessageSummary, BrandCampaign).
CALL = {
    "id": "2daf05c6-d028-4a2a-8576-bc2505cee22c", "direction": "outbound", "mode": "inapp",
    "number": "+17043900812", "from": {"kind": "user", "value": "ana_sup"},
    "to": {"kind": "number", "value": "+919301889973"}, "status": "COMPLETED", "failure_reason": None,
    "started_at": "2026-12-01T19:14:42.400578+00:00", "answered_at": "2026-12-01T19:14:50.515375+00:00",
    "ended_at": "2026-12-01T19:15:46.935776+00:00", "duration_seconds": 57, "price": 0.045,
    "recording_available": False,
}  # fmt: skip
CALL_INBOUND_ANONYMOUS = {
    **CALL, "id": "3daf05c6-d028-4a2a-8576-bc2505cee22c", "direction": "inbound",
    "from": {"kind": "anonymous", "value": None}, "to": {"kind": "user", "value": "ana_sup"},
    "status": "NO_ANSWER", "failure_reason": "no_answer", "answered_at": None, "duration_seconds": 0, "price": 0.0,
}  # fmt: skip

CONTACT_SUMMARIES = [
    {"contact_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "message_count": 7,
     "first_message_at": "2026-03-10T08:00:00+00:00", "last_message_at": "2026-04-07T18:30:00+00:00",
     "channels_used": ["sms", "whatsapp"],
     "channel_scores": [{"channel": "sms", "success_score": 100, "fail_score": 0},
                        {"channel": "whatsapp", "success_score": 75, "fail_score": 25}]},
    {"contact_id": "7ba7b810-9dad-11d1-80b4-00c04fd430c8", "message_count": 0, "first_message_at": None,
     "last_message_at": None, "channels_used": [], "channel_scores": []},
]  # fmt: skip

CAMPAIGN = {
    "id": "ea47a6a2-1cfd-4e55-8ba7-7a17c13c99a5", "billedDate": "2025-10-03T08:50:03.300054+00:00",
    "brandId": "0dcb67d2-1a3a-43e0-8eca-540ab04b5e52", "cost": 10.0, "createdAt": "2025-09-28T07:45:40.651451+00:00",
    "customerId": "6513270e-269e-4d37-b2a7-4de452e6b438", "dcaElectionsComplete": True,
    "dcaElectionsCompletedAt": "2025-10-05T02:47:38.375304+00:00", "description": "Order confirmations",
    "hasSubmissionTransaction": True, "helpKeywords": "HELP, INFO", "helpMessage": "Acme: help at acme.example",
    "messageFlow": "Customers opt in at checkout", "name": "Account notifications", "optinKeywords": "START",
    "optinMessage": "Subscribed", "optoutKeywords": "STOP", "optoutMessage": "Unsubscribed",
    "privacyPolicyLink": "https://acme.example/privacy", "status": "ACTIVE",
    "submittedAt": "2025-09-28T12:22:21.400465+00:00", "submittedToTCR": True, "tcrCampaignId": "CBYV4AU",
    "tcrSyncError": None, "termsAndConditionsLink": "https://acme.example/terms", "type": "App",
    "updatedAt": "2025-09-28T08:02:04.185828+00:00",
    "useCases": [{"id": "11c29797-d693-417d-aabd-3f07c451df87", "campaignId": "ea47a6a2-1cfd-4e55-8ba7-7a17c13c99a5",
                  "createdAt": "2025-09-28T07:45:40.651451+00:00", "customerId": "6513270e-269e-4d37-b2a7-4de452e6b438",
                  "messagingUseCaseUs": "ACCOUNT_NOTIFICATION", "sampleMessages": ["Acme: order #10234 confirmed."],
                  "updatedAt": None}],
    "volume": "5000",
}  # fmt: skip

EXAMPLES = {
    "contacts": [CONTACT], "templates": [TEMPLATE], "webhooks": [WEBHOOK],
    "webhook_events": [EVENT_DEGENERATE, event()], "messages": [MESSAGE], "activities": [ACTIVITIES],
    "number_lookups": [NUMBER_LOOKUP], "profiles": [PROFILE], "users": USERS,
    "calls": [CALL, CALL_INBOUND_ANONYMOUS], "contact_summaries": CONTACT_SUMMARIES, "campaigns": [CAMPAIGN],
}  # fmt: skip
#: Frames with more rows than records: activities (one per activity), summaries (one per channel).
EXAMPLE_ROWS = {"activities": 4, "contact_summaries": 3}
