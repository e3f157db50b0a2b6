"""A scenario over every area of the API, written only against the Python client that
openapi-python-client generated from the served document (package `companin_client`).

    python scenario.py BASE_URL API_KEY        (with the generated package importable)

It exits non-zero on the first step that does not go as the contract says."""

import io
import sys
import time

from companin_client import AuthenticatedClient
from companin_client.api.analytics import get_analytics_endpoints, get_analytics_usage
from companin_client.api.assistants import (get_assistants_assistant_id, get_assistants_assistant_id_versions,
                                            patch_assistants_assistant_id, post_assistants,
                                            post_assistants_assistant_id_versions_version_promote)
from companin_client.api.conversations import (get_conversations_conversation_id_transcript,
                                               post_conversations, post_conversations_conversation_id_feedback,
                                               post_conversations_conversation_id_messages)
from companin_client.api.knowledge import get_knowledge_files_file_id, post_knowledge_files, post_knowledge_qas
from companin_client.api.sessions import get_sessions_session_id, post_contexts, post_sessions
from companin_client.models import (PostAssistantsBody, PatchAssistantsAssistantIdBody, PostContextsBody,
                                    PostContextsBodyAttributes, PostConversationsBody,
                                    PostConversationsConversationIdFeedbackBody,
                                    PostConversationsConversationIdFeedbackBodyActor,
                                    PostConversationsConversationIdFeedbackBodyActorType,
                                    PostConversationsConversationIdMessagesBody,
                                    PostConversationsConversationIdMessagesBodyRole, PostKnowledgeFilesBody,
                                    PostKnowledgeQasJsonBodyType0, PostSessionsBody, PostSessionsBodyVisitorType0)
from companin_client.types import File


def expect(response, status, step):
    if response.status_code != status:
        sys.exit(f"{step}: expected {status}, got {response.status_code}: {response.content[:300]!r}")
    print(f"ok  {step} ({status})")
    return response.parsed


def main(base_url, key):
    client = AuthenticatedClient(base_url=base_url, token=key, prefix="", auth_header_name="X-API-Key",
                                 raise_on_unexpected_status=True)
    with client:
        assistant = expect(post_assistants.sync_detailed(client=client, body=PostAssistantsBody(
            name="Round trip", language="pt-BR", tone="cordial")), 201, "create an assistant")
        draft = expect(patch_assistants_assistant_id.sync_detailed(
            assistant.id, client=client, body=PatchAssistantsAssistantIdBody(tone="formal", promote=False)), 200, "write a draft version")
        assert draft.latest_version == 2 and draft.live_version == 1, draft
        live = expect(post_assistants_assistant_id_versions_version_promote.sync_detailed(assistant.id, 2, client=client),
                      200, "promote version 2")
        assert live.live_version == 2 and live.tone == "formal", live
        versions = expect(get_assistants_assistant_id_versions.sync_detailed(assistant.id, client=client), 200, "list versions")
        assert [v.version for v in versions.items] == [2, 1], versions

        text = ("Garantia Aurora\n\nA garantia estendida Aurora Mais pode ser contratada por até 24 meses adicionais.\n").encode()
        upload = expect(post_knowledge_files.sync_detailed(client=client, body=PostKnowledgeFilesBody(
            file=File(payload=io.BytesIO(text), file_name="garantia.txt"), title="Garantia")), 202, "upload a file")
        deadline = time.monotonic() + 60
        while (status := get_knowledge_files_file_id.sync(upload.id, client=client).status.value) not in ("ready", "failed"):
            if time.monotonic() > deadline:
                sys.exit("the file did not become ready in 60 s")
            time.sleep(0.2)
        assert status == "ready", status
        print("ok  the file is ready")
        qa = expect(post_knowledge_qas.sync_detailed(client=client, body=PostKnowledgeQasJsonBodyType0(
            question="Qual é o prazo de entrega para o Nordeste?", answer="De 5 a 8 dias úteis.")), 202, "add a Q&A pair")

        session = expect(post_sessions.sync_detailed(client=client, body=PostSessionsBody(
            channel="web", assistant_id=assistant.id, visitor=PostSessionsBodyVisitorType0(external_id="client-1"))), 201, "open a session")
        attributes = PostContextsBodyAttributes()
        attributes.additional_properties = {"plan": "pro"}
        expect(post_contexts.sync_detailed(client=client, body=PostContextsBody(session_id=session.id, attributes=attributes)),
               201, "attach a context")
        merged = expect(get_sessions_session_id.sync_detailed(session.id, client=client), 200, "read the session")
        assert merged.attributes.additional_properties == {"plan": "pro"}, merged

        deadline = time.monotonic() + 60
        from companin_client.api.knowledge import get_knowledge_qas_qa_id
        while get_knowledge_qas_qa_id.sync(qa.id, client=client).status.value != "ready":
            if time.monotonic() > deadline:
                sys.exit("the Q&A pair did not become ready in 60 s")
            time.sleep(0.2)
        conversation = expect(post_conversations.sync_detailed(client=client, body=PostConversationsBody(
            assistant_id=assistant.id, session_id=session.id)), 201, "open a conversation")
        posted = expect(post_conversations_conversation_id_messages.sync_detailed(
            conversation.id, client=client, body=PostConversationsConversationIdMessagesBody(
                role=PostConversationsConversationIdMessagesBodyRole.USER, content="Qual o prazo de entrega para o Nordeste?")),
            201, "ask a question")
        assert posted.reply.content == "De 5 a 8 dias úteis." and posted.reply.grounding.value == "qa", posted.reply
        document = expect(post_conversations_conversation_id_messages.sync_detailed(
            conversation.id, client=client, body=PostConversationsConversationIdMessagesBody(
                role=PostConversationsConversationIdMessagesBodyRole.USER,
                content="Por quanto tempo posso contratar a garantia estendida?")), 201, "ask about the document")
        assert upload.id in [source.source_id for source in document.reply.sources], document.reply
        expect(post_conversations_conversation_id_feedback.sync_detailed(
            conversation.id, client=client, body=PostConversationsConversationIdFeedbackBody(
                rating=5, message_id=posted.reply.id,
                actor=PostConversationsConversationIdFeedbackBodyActor(type_=PostConversationsConversationIdFeedbackBodyActorType.VISITOR))),
            201, "rate the reply")
        transcript = expect(get_conversations_conversation_id_transcript.sync_detailed(conversation.id, client=client),
                            200, "export the transcript")
        assert len(transcript.messages) == 4 and transcript.feedback[0].rating == 5, transcript

        deadline = time.monotonic() + 15
        while True:
            usage = expect(get_analytics_usage.sync_detailed(client=client), 200, "read usage")
            if usage.totals.requests >= 10 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert usage.totals.requests >= 10, usage.totals
        endpoints = expect(get_analytics_endpoints.sync_detailed(client=client), 200, "read the endpoint mix")
        assert any(e.route == "/api/v1/assistants/" and e.method == "POST" for e in endpoints.items), endpoints
        assert get_assistants_assistant_id.sync(assistant.id, client=client).live_version == 2
    print("round trip complete")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
