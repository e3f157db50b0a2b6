import HTTP

/// The shapes the API answers with, by name (`#/components/schemas/NAME`).
enum APISchemas {
    typealias S = JSONSchema

    static let timestamps: [String: JSONValue] = ["created_at": S.dateTime, "updated_at": S.dateTime]

    static var all: [String: JSONValue] {
        [
            "Error": S.record(["detail": S.string()]),
            "ValidationError": S.record([
                "detail": S.array(
                    S.record([
                        "loc": S.array(.object(["oneOf": .array([S.string(), S.integer()])])),
                        "msg": S.string(), "type": S.string(),
                    ]))
            ]),
            "TaskTemplate": S.record(
                Dictionary(uniqueKeysWithValues: TaskTemplate.fields.fields.map { ($0.name, $0.kind.schema) })),
            "Assistant": S.record(
                [
                    "id": S.uuid, "name": S.string(), "description": S.string(), "tone": S.string(), "language": S.string(),
                    "task_templates": S.array(S.ref("TaskTemplate")), "metadata": S.freeObject, "is_active": S.boolean,
                    "knowledge_mode": S.string(enum: ["all", "linked"]), "live_version": S.integer(minimum: 1),
                    "latest_version": S.integer(minimum: 1),
                ].merging(timestamps) { a, _ in a }),
            "AssistantVersion": S.record([
                "assistant_id": S.uuid, "version": S.integer(minimum: 1), "name": S.string(), "description": S.string(),
                "tone": S.string(), "language": S.string(), "task_templates": S.array(S.ref("TaskTemplate")), "metadata": S.freeObject,
                "is_live": S.boolean, "changed_fields": S.array(S.string()), "change_note": S.nullable(S.string()),
                "created_by_api_key_id": S.nullable(S.uuid), "created_at": S.dateTime,
            ]),
            "APIKey": S.record(apiKey),
            "IssuedKey": S.record(apiKey.merging(["secret": S.string()]) { a, _ in a }),
            "BrowserToken": S.record([
                "token": S.string(), "token_type": S.string(enum: ["Bearer"]), "expires_at": S.dateTime,
                "scopes": S.array(S.string(enum: ["read", "analytics", "widget"])), "assistant_id": S.nullable(S.uuid),
                "session_id": S.nullable(S.uuid),
            ]),
            "AuditEvent": S.record([
                "id": S.integer(minimum: 1), "occurred_at": S.dateTime, "actor_key_id": S.nullable(S.uuid),
                "actor_kind": S.string(enum: ["api_key", "browser_token", "cli"]), "client_address": S.nullable(S.string()),
                "request_id": S.nullable(S.string()), "action": S.string(), "target_type": S.string(), "target_id": S.string(),
                "details": S.freeObject,
            ]),
            "TemplateRendering": S.record(["name": S.string(), "text": S.string(), "variables": S.array(S.string())]),
            "SourceError": S.nullable(S.record(["code": S.string(), "message": S.string()])),
            "KnowledgeFile": S.record(
                sourceTimes.merging([
                    "id": S.uuid, "kind": S.string(enum: ["file"]), "title": S.string(), "status": status, "error": S.ref("SourceError"),
                    "filename": S.nullable(S.string()), "content_kind": S.nullable(S.string()), "media_type": S.nullable(S.string()),
                    "size_bytes": S.nullable(S.integer()), "sha256": S.nullable(S.string()), "attributes": S.freeObject,
                    "metadata": S.freeObject,
                ]) { a, _ in a }),
            "QAPair": S.record(
                sourceTimes.merging([
                    "id": S.uuid, "kind": S.string(enum: ["qa"]), "question": S.string(), "answer": S.string(), "tags": S.array(S.string()),
                    "metadata": S.freeObject, "status": status, "error": S.ref("SourceError"),
                ]) { a, _ in a }),
            "URLSource": S.record(
                sourceTimes.merging([
                    "id": S.uuid, "kind": S.string(enum: ["url"]), "url": S.string(), "title": S.string(), "status": status,
                    "error": S.ref("SourceError"), "final_url": S.nullable(S.string()), "http_status": S.nullable(S.integer()),
                    "content_type": S.nullable(S.string()), "fetched_at": S.nullable(S.dateTime), "description": S.nullable(S.string()),
                    "language": S.nullable(S.string()), "text": S.nullable(S.string()), "metadata": S.freeObject,
                    "refresh_interval": S.nullable(S.integer()), "next_refresh_at": S.nullable(S.dateTime),
                ]) { a, _ in a }),
            "SearchResult": S.record([
                "items": S.array(
                    S.record([
                        "chunk_id": S.integer(), "source_id": S.uuid, "kind": S.string(enum: ["file", "qa", "url"]), "title": S.string(),
                        "snippet": S.string(), "score": S.number, "chunk_index": S.integer(minimum: 0),
                    ])),
                "count": S.integer(minimum: 0), "embedding_model": S.string(),
            ]),
            "ReembedBatch": S.record([
                "id": S.uuid, "scope": S.string(), "status": S.string(), "total": S.integer(minimum: 0), "done": S.integer(minimum: 0),
                "failed": S.integer(minimum: 0), "created_at": S.dateTime,
            ]),
            "KnowledgeLink": S.record(["assistant_id": S.uuid, "source_id": S.uuid, "mode": S.string(enum: ["include", "exclude"])]),
            "AssistantKnowledge": S.record([
                "knowledge_mode": S.string(enum: ["all", "linked"]), "count": S.integer(minimum: 0),
                "items": S.array(
                    S.record([
                        "source_id": S.uuid, "kind": S.string(), "title": S.string(), "status": S.string(),
                        "link": S.nullable(S.string(enum: ["include", "exclude"])),
                    ])),
            ]),
            "Visitor": S.record(visitorFields),
            "CRMReference": S.record(["system": S.string(), "record_id": S.string(), "url": S.nullable(S.string())]),
            "Context": S.record(
                [
                    "id": S.uuid, "session_id": S.uuid, "position": S.integer(minimum: 1), "attributes": S.freeObject,
                    "crm": S.nullable(S.ref("CRMReference")),
                ].merging(timestamps) { a, _ in a }),
            "Session": S.record(sessionFields),
            "JourneySession": S.record(sessionFields.merging(["contexts": S.array(S.ref("Context"))]) { a, _ in a }),
            "VisitorJourney": S.record(
                visitorFields.merging([
                    "linked_visitor_ids": S.array(S.uuid), "channels": S.array(S.string()), "session_count": S.integer(minimum: 0),
                    "sessions": S.array(S.ref("JourneySession")),
                ]) { a, _ in a }),
            "Conversation": S.record(
                [
                    "id": S.uuid, "assistant_id": S.uuid, "assistant_version": S.integer(minimum: 1), "session_id": S.uuid,
                    "status": S.string(enum: ["open", "handed_off", "closed"]), "needs_human": S.boolean,
                    "task": S.nullable(S.record(["name": S.string(), "text": S.string()])), "metadata": S.freeObject,
                    "message_count": S.integer(minimum: 0), "last_message_at": S.nullable(S.dateTime),
                    "handoff_reason": S.nullable(S.string()), "handed_off_at": S.nullable(S.dateTime), "closed_at": S.nullable(S.dateTime),
                    "close_reason": S.nullable(S.string()), "created_by_api_key_id": S.nullable(S.uuid),
                ].merging(timestamps) { a, _ in a }),
            "Message": S.record([
                "id": S.uuid, "conversation_id": S.uuid, "position": S.integer(minimum: 1),
                "role": S.string(enum: ["user", "assistant", "agent", "system"]), "content": S.string(), "metadata": S.freeObject,
                "api_key_id": S.nullable(S.uuid),
                "actor": S.record(["type": S.string(enum: ["visitor", "agent", "system", "assistant"]), "id": S.nullable(S.string())]),
                "in_reply_to": S.nullable(S.uuid), "assistant_version": S.nullable(S.integer(minimum: 1)),
                "grounding": S.nullable(S.string(enum: ["qa", "chunks", "model", "none"])), "model": S.nullable(S.string()),
                "sources": S.nullable(
                    S.array(
                        S.record([
                            "source_id": S.uuid, "chunk_id": S.integer(), "kind": S.string(), "title": S.string(), "score": S.number,
                        ]))),
                "created_at": S.dateTime,
            ]),
            "PostedMessage": S.record(["message": S.ref("Message"), "reply": S.nullable(S.ref("Message"))]),
            "MessagePage": S.record(["items": S.array(S.ref("Message")), "count": S.integer(minimum: 0), "next_after": S.nullable(S.uuid)]),
            "Feedback": S.record([
                "id": S.uuid, "conversation_id": S.uuid, "message_id": S.nullable(S.uuid), "assistant_id": S.uuid,
                "assistant_version": S.integer(minimum: 1), "rating": S.integer(minimum: 1, maximum: 5), "comment": S.nullable(S.string()),
                "actor": S.record(["type": S.string(enum: ["visitor", "agent", "system"]), "id": S.string()]), "metadata": S.freeObject,
                "api_key_id": S.nullable(S.uuid), "is_current": S.boolean, "superseded_at": S.nullable(S.dateTime),
                "created_at": S.dateTime,
            ]),
            "Transcript": S.record([
                "conversation": S.ref("Conversation"),
                "assistant": S.record(["id": S.uuid, "version": S.integer(minimum: 1), "name": S.nullable(S.string())]),
                "session": S.nullable(S.record(["id": S.uuid, "channel": S.string(), "authenticated": S.boolean, "visitor_id": S.uuid])),
                "messages": S.array(S.ref("Message")), "feedback": S.array(S.ref("Feedback")),
            ]),
            "LogRow": S.record([
                "id": S.integer(), "occurred_at": S.dateTime, "organization_id": S.nullable(S.uuid), "api_key_id": S.nullable(S.uuid),
                "request_id": S.string(), "method": S.string(), "route": S.string(), "path": S.string(), "status": S.integer(),
                "duration_us": S.integer(minimum: 0), "request_bytes": S.integer(minimum: 0), "response_bytes": S.integer(minimum: 0),
                "client_address": S.nullable(S.string()), "user_agent": S.nullable(S.string()), "throttled": S.boolean,
            ]),
            "UsageFigures": S.record([
                "start": S.nullable(S.dateTime), "requests": S.integer(minimum: 0), "errors_4xx": S.integer(minimum: 0),
                "errors_5xx": S.integer(minimum: 0), "throttled": S.integer(minimum: 0), "p50_ms": S.nullable(S.number),
                "p95_ms": S.nullable(S.number),
            ]),
            "Usage": S.record([
                "from": S.dateTime, "to": S.dateTime, "granularity": S.string(enum: ["hour", "day"]), "totals": S.ref("UsageFigures"),
                "buckets": S.array(S.ref("UsageFigures"), maxItems: AnalyticsRoutes.maximumBuckets),
            ]),
            "EndpointFigures": S.record([
                "route": S.string(), "method": S.string(), "requests": S.integer(minimum: 0), "errors_4xx": S.integer(minimum: 0),
                "errors_5xx": S.integer(minimum: 0), "error_rate": S.number, "p50_ms": S.nullable(S.number), "p95_ms": S.nullable(S.number),
                "request_bytes": S.integer(minimum: 0), "response_bytes": S.integer(minimum: 0),
            ]),
            "RateLimits": S.record([
                "from": S.dateTime, "to": S.dateTime, "granularity": S.string(enum: ["hour", "day"]), "throttled": S.integer(minimum: 0),
                "buckets": S.array(
                    S.record(["start": S.dateTime, "throttled": S.integer(minimum: 0)]), maxItems: AnalyticsRoutes.maximumBuckets),
                "keys": S.array(
                    S.record(["api_key_id": S.nullable(S.uuid), "requests": S.integer(minimum: 0), "throttled": S.integer(minimum: 0)])),
                "live": S.nullable(
                    S.record(["limit": S.integer(minimum: 1), "remaining": S.integer(minimum: 0), "reset_seconds": S.integer(minimum: 0)])),
            ]),
            "KeyActivity": S.record(["id": S.uuid, "name": S.string(), "revoked": S.boolean, "requests": S.integer(minimum: 0)]),
            "Satisfaction": S.record([
                "ratings": S.integer(minimum: 0), "average_rating": S.nullable(S.number),
                "csat_percent": S.nullable(S.number),
            ]),
            "FeedbackReport": S.record([
                "from": S.dateTime, "to": S.dateTime, "granularity": S.string(enum: ["hour", "day"]), "totals": S.ref("Satisfaction"),
                "buckets": S.array(
                    S.record([
                        "start": S.dateTime, "ratings": S.integer(minimum: 0), "average_rating": S.nullable(S.number),
                        "csat_percent": S.nullable(S.number),
                    ]), maxItems: AnalyticsRoutes.maximumBuckets),
                "assistants": S.array(
                    S.record([
                        "assistant_id": S.uuid, "assistant_name": S.string(), "assistant_version": S.integer(minimum: 1),
                        "ratings": S.integer(minimum: 0), "average_rating": S.nullable(S.number),
                        "csat_percent": S.nullable(S.number),
                    ])),
                "comments": S.array(
                    S.record([
                        "conversation_id": S.uuid, "assistant_id": S.uuid, "assistant_name": S.string(),
                        "assistant_version": S.integer(minimum: 1), "rating": S.integer(minimum: 1, maximum: 5),
                        "comment": S.string(), "created_at": S.dateTime,
                    ])),
            ]),
            "KnowledgeGap": S.record([
                "id": S.uuid, "status": S.string(enum: GapStore.Status.allCases.map(\.rawValue)), "question": S.string(),
                "representative_message_id": S.uuid, "count": S.integer(minimum: 0),
                "first_asked_at": S.nullable(S.dateTime), "last_asked_at": S.nullable(S.dateTime),
                "languages": S.array(S.record(["language": S.string(), "count": S.integer(minimum: 1)])),
                "reasons": S.array(
                    S.record(["reason": S.string(enum: GapStore.Reason.allCases.map(\.rawValue)), "count": S.integer(minimum: 1)])),
                "assistants": S.array(S.record(["assistant_id": S.uuid, "name": S.nullable(S.string()), "count": S.integer(minimum: 1)])),
                "trend": S.array(
                    S.record(["date": S.string(format: "date"), "count": S.integer(minimum: 0)]), maxItems: GapRoutes.maximumDays + 1),
                "examples": S.array(
                    S.record([
                        "message_id": S.uuid, "conversation_id": S.uuid, "assistant_id": S.uuid, "question": S.string(),
                        "asked_at": S.dateTime, "language": S.string(),
                        "reasons": S.array(S.string(enum: GapStore.Reason.allCases.map(\.rawValue))),
                    ]), maxItems: KnowledgeGap.exampleCount),
                "answer": S.nullable(
                    S.record(["qa_id": S.nullable(S.uuid), "answered_at": S.dateTime, "api_key_id": S.nullable(S.uuid)])),
                "created_at": S.dateTime,
            ]),
            "AnsweredGap": S.record(["gap": S.ref("KnowledgeGap"), "qa": S.ref("QAPair")]),
            "KnowledgeReport": S.record([
                "statuses": S.array(
                    S.record([
                        "kind": S.string(enum: ["file", "qa", "url"]), "status": status,
                        "sources": S.integer(minimum: 1),
                    ])),
                "failed": S.array(
                    S.record([
                        "id": S.uuid, "kind": S.string(enum: ["file", "qa", "url"]), "title": S.string(),
                        "error_code": S.nullable(S.string()), "error_message": S.nullable(S.string()),
                        "failed_at": S.nullable(S.dateTime),
                    ])),
                "failed_count": S.integer(minimum: 0),
                "embedding_models": S.array(S.record(["model": S.string(), "chunks": S.integer(minimum: 1)])),
            ]),
        ]
    }

    static let status = S.string(enum: ["pending", "processing", "ready", "failed"])

    static let apiKey: [String: JSONValue] = [
        "id": S.uuid, "name": S.string(), "scopes": S.array(S.string(enum: AccessScope.allCases.map(\.rawValue))),
        "assistant_id": S.nullable(S.uuid), "is_operator": S.boolean, "key_prefix": S.string(), "created_at": S.dateTime,
        "expires_at": S.nullable(S.dateTime), "last_used_at": S.nullable(S.dateTime), "revoked_at": S.nullable(S.dateTime),
        "replaced_by": S.nullable(S.uuid), "created_by": S.nullable(S.uuid),
    ]

    static var sourceTimes: [String: JSONValue] {
        [
            "summary": S.nullable(S.string()), "keywords": S.nullable(S.array(S.string())), "chunk_count": S.integer(minimum: 0),
            "progress": S.object(
                ["chunks_done": S.integer(minimum: 0), "chunks_total": S.integer(minimum: 0)],
                required: ["chunks_done", "chunks_total"]),
            "queued_at": S.nullable(S.dateTime), "processing_started_at": S.nullable(S.dateTime), "ready_at": S.nullable(S.dateTime),
            "failed_at": S.nullable(S.dateTime),
        ].merging(timestamps) { a, _ in a }
    }

    static var visitorFields: [String: JSONValue] {
        [
            "id": S.uuid, "external_id": S.nullable(S.string()), "identified": S.boolean, "display_name": S.nullable(S.string()),
            "email": S.nullable(S.string()), "phone": S.nullable(S.string()), "locale": S.nullable(S.string()),
            "identified_at": S.nullable(S.dateTime), "last_seen_at": S.dateTime,
        ].merging(timestamps) { a, _ in a }
    }

    static var sessionFields: [String: JSONValue] {
        [
            "id": S.uuid, "assistant_id": S.nullable(S.uuid), "channel": S.string(),
            "state": S.string(enum: ["active", "ended", "expired"]),
            "authenticated": S.boolean, "visitor": S.ref("Visitor"), "initial_visitor_id": S.uuid, "attributes": S.freeObject,
            "crm": S.array(S.record(["system": S.string(), "record_id": S.string(), "url": S.nullable(S.string()), "context_id": S.uuid])),
            "context_count": S.integer(minimum: 0), "metadata": S.freeObject, "ttl_seconds": S.integer(minimum: 1), "sliding": S.boolean,
            "expires_at": S.dateTime, "last_activity_at": S.dateTime, "identified_at": S.nullable(S.dateTime),
            "ended_at": S.nullable(S.dateTime), "end_reason": S.nullable(S.string()),
        ].merging(timestamps) { a, _ in a }
    }
}
