// The conversations page: the inbox of conversations needing a human, and one conversation's
// transcript with each reply's grounding and sources and its ratings, where an operator replies as
// an agent, hands the conversation off or closes it.

import { t, format, DASH, MIDDLE_DOT } from "./i18n.js";
import { api, getJSON, describeFailure, beginLoad, cancelLoad } from "./api.js";
import {
  el, fill, figure, stateMessage, table, numberCell, timeElement, whileBusy, say, confirmAction, pager, shortID, randomID,
} from "./dom.js";
import { kindLabel, conversationStatusLabel, assistantLabel, stars } from "./labels.js";

const PAGE_SIZE = 25;

const state = {
  needsHuman: true,
  status: "open",
  offset: 0,
  conversationID: null,
  conversation: null,
  generation: 0,
  controller: null,
  /** One Idempotency-Key per reply being written: a retried send cannot post it twice. */
  replyKey: null,
  assistants: new Map(),
};

const ui = {};

async function loadAssistantNames(signal) {
  try {
    const data = await getJSON("/api/v1/assistants/", { limit: 1000 }, signal);
    state.assistants = new Map((Array.isArray(data.items) ? data.items : []).map((assistant) => [assistant.id, assistant.name]));
  } catch (failure) {
    // The list still works with short ids.
  }
}

function assistantName(id) {
  return state.assistants.get(id) || shortID(id);
}

// ---------------------------------------------------------------------------------------------
// The inbox

async function loadInbox() {
  const { generation, signal } = beginLoad(state);
  ui.inbox.setAttribute("aria-busy", "true");
  ui.inbox.replaceChildren(stateMessage(t("state.loading"), "loading"));
  try {
    const [data] = await Promise.all([
      getJSON("/api/v1/conversations/", {
        needs_human: state.needsHuman ? "true" : "", status: state.status, limit: PAGE_SIZE, offset: state.offset,
      }, signal),
      state.assistants.size === 0 ? loadAssistantNames(signal) : null,
    ]);
    if (generation !== state.generation) return;
    renderInbox(data || {});
    say(ui.inboxStatus, t("knowledge.updated", { at: format.clock(new Date()) }), "");
  } catch (failure) {
    if (generation !== state.generation || failure.aborted) return;
    ui.inbox.replaceChildren(stateMessage(describeFailure(failure), "error"));
  } finally {
    if (generation === state.generation) ui.inbox.removeAttribute("aria-busy");
  }
}

function renderInbox(data) {
  const items = Array.isArray(data.items) ? data.items : [];
  const count = typeof data.count === "number" ? data.count : items.length;
  if (items.length === 0) {
    ui.inbox.replaceChildren(stateMessage(t(state.needsHuman ? "conversations.emptyInbox" : "conversations.empty"), "empty"));
    return;
  }
  const rows = items.map((item) => el("tr", { "data-conversation": item.id, "data-status": item.status }, [
    el("th", { scope: "row" }, el("a", {
      href: "#/conversations/" + item.id, class: "open-link",
      "aria-label": t("conversations.openNamed", { id: shortID(item.id), assistant: assistantName(item.assistant_id) }),
    }, [t("conversations.open"), " ", el("code", null, shortID(item.id))])),
    el("td", null, assistantLabel(assistantName(item.assistant_id), item.assistant_version)),
    el("td", { "data-field": "status", "data-value": item.status }, [
      conversationStatusLabel(item.status),
      item.needs_human ? el("span", { class: "badge badge-attention" }, t("conversations.needsHuman")) : null,
    ]),
    numberCell("message_count", item.message_count, format.integer(item.message_count)),
    el("td", null, timeElement(item.created_at)),
    el("td", null, item.last_message_at ? timeElement(item.last_message_at) : DASH),
    el("td", { class: "reason" }, item.handoff_reason || DASH),
  ]));
  fill(ui.inbox,
    el("p", { class: "muted", "data-total": "conversations", "data-value": count }, t("count.conversations", { count: count })),
    table(t(state.needsHuman ? "conversations.inboxCaption" : "conversations.caption"),
      [t("column.conversation"), t("column.assistant"), t("column.status"), t("column.messages"), t("column.created"),
        t("column.lastMessage"), t("column.handoffReason")],
      rows, { textColumns: [0, 1, 2, 4, 5, 6] }),
    pager("inbox", state.offset, PAGE_SIZE, count, (offset) => {
      state.offset = offset;
      loadInbox();
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// One conversation

function groundingWords(message) {
  switch (message.grounding) {
    case "qa":
      return t("grounding.qa");
    case "chunks":
      return t("grounding.chunks");
    case "model":
      return t("grounding.model", { model: message.model || DASH });
    case "none":
      return t("grounding.none");
    default:
      return null;
  }
}

function authorWords(message) {
  switch (message.role) {
    case "user":
      return t("role.user");
    case "assistant":
      return t("role.assistant");
    case "agent":
      return message.actor && message.actor.id ? t("role.agentNamed", { name: message.actor.id }) : t("role.agent");
    case "system":
      return t("role.system");
    default:
      return message.role || DASH;
  }
}

function renderMessage(message) {
  const sources = Array.isArray(message.sources) ? message.sources : [];
  const grounding = groundingWords(message);
  return el("li", { class: "message message-" + message.role, "data-message": message.id, "data-role": message.role }, [
    el("p", { class: "message-head" }, [
      el("strong", null, authorWords(message)),
      MIDDLE_DOT,
      timeElement(message.created_at),
      message.assistant_version ? MIDDLE_DOT + "v" + message.assistant_version : null,
    ]),
    el("p", { class: "message-text" }, message.content || ""),
    grounding ? el("p", { class: "grounding grounding-" + message.grounding, "data-grounding": message.grounding }, grounding) : null,
    sources.length > 0 ? el("div", { class: "message-sources" }, [
      el("p", { class: "small muted" }, t("conversations.sources")),
      el("ul", { class: "source-list" }, sources.map((source) => el("li", { "data-source": source.source_id }, [
        el("span", null, source.title || t("sources.untitled")),
        " ",
        el("span", { class: "muted" }, "(" + kindLabel(source.kind) + ")"),
        MIDDLE_DOT,
        t("knowledge.score") + " ",
        figure("span", { class: "hit-score" }, source.score, format.score(source.score)),
      ]))),
    ]) : null,
  ]);
}

/** Who rated: "Visitor", "Agent ana"; a visitor's id is a UUID, shown short. */
function actorWords(actor) {
  const type = actor && actor.type;
  const name = ["visitor", "agent", "system"].includes(type) ? t("actor." + type) : type || DASH;
  const id = actor && actor.id;
  if (!id) return name;
  return name + " " + (/^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? shortID(id) : id);
}

function renderRatings(feedback) {
  if (feedback.length === 0) return [stateMessage(t("conversations.noRatings"), "empty")];
  return [el("ul", { class: "comments" }, feedback.map((entry) =>
    el("li", { class: "comment" + (entry.is_current === false ? " replaced" : ""), "data-rating": entry.rating }, [
      el("p", { class: "comment-rating" }, [
        el("span", { class: "stars", "aria-hidden": "true" }, stars(entry.rating)),
        " ",
        el("span", { class: "visually-hidden" }, t("feedback.rating") + " "),
        figure("span", { class: "rating-number" }, entry.rating, format.integer(entry.rating) + "/" + format.integer(5)),
        entry.is_current === false ? " " + t("conversations.replacedRating") : null,
      ]),
      entry.comment ? el("blockquote", { class: "comment-text" }, el("p", null, entry.comment)) : null,
      el("p", { class: "comment-meta" }, [
        actorWords(entry.actor),
        MIDDLE_DOT,
        timeElement(entry.created_at),
        entry.message_id ? MIDDLE_DOT + t("conversations.ratedMessage") : null,
      ]),
    ])))];
}

function renderConversation(transcript) {
  const conversation = transcript.conversation || {};
  const assistant = transcript.assistant || {};
  const session = transcript.session;
  const messages = Array.isArray(transcript.messages) ? transcript.messages : [];
  const feedback = Array.isArray(transcript.feedback) ? transcript.feedback : [];
  state.conversation = conversation;
  ui.detailTitle.textContent = t("conversations.title", { id: shortID(conversation.id) });
  ui.facts.replaceChildren(...[
    [t("column.assistant"), assistantLabel(assistant.name, assistant.version)],
    [t("column.status"), conversationStatusLabel(conversation.status), "status", conversation.status],
    [t("conversations.needsHumanQuestion"), t(conversation.needs_human ? "yes" : "no"), "needs-human", String(Boolean(conversation.needs_human))],
    [t("column.created"), timeElement(conversation.created_at)],
    [t("column.messages"), format.integer(conversation.message_count)],
    [t("conversations.channel"), session ? session.channel + (session.authenticated ? " " + t("conversations.signedIn") : "") : DASH],
    conversation.task ? [t("conversations.task"), conversation.task.text || conversation.task.name] : null,
    conversation.handoff_reason ? [t("column.handoffReason"), conversation.handoff_reason] : null,
    conversation.close_reason ? [t("conversations.closeReason"), conversation.close_reason] : null,
  ].filter(Boolean).map(([label, value, hook, raw]) => el("div", { class: "fact" }, [
    el("dt", null, label),
    el("dd", hook ? { "data-fact": hook, "data-value": raw } : null, value),
  ])));
  ui.transcript.replaceChildren(messages.length === 0
    ? stateMessage(t("conversations.noMessages"), "empty")
    : el("ol", { class: "messages" }, messages.map(renderMessage)));
  ui.ratings.replaceChildren(...renderRatings(feedback));

  const closed = conversation.status === "closed";
  ui.replyContent.disabled = closed;
  ui.replyAgent.disabled = closed;
  ui.replyButton.disabled = closed;
  ui.replyClosed.hidden = !closed;
  ui.handoffReason.disabled = conversation.status !== "open";
  ui.handoffButton.disabled = conversation.status !== "open";
  ui.handoffNote.hidden = conversation.status === "open";
  ui.handoffNote.textContent = conversation.status === "open" ? "" : t(closed ? "conversations.closedNoHandoff" : "conversations.alreadyHandedOff");
  ui.closeReason.disabled = closed;
  ui.closeButton.disabled = closed;
}

async function loadConversation(id, options) {
  const { generation, signal } = beginLoad(state);
  const quiet = options && options.quiet;
  if (!quiet) {
    ui.detail.setAttribute("aria-busy", "true");
    ui.detailTitle.textContent = t("conversations.title", { id: shortID(id) });
    ui.facts.replaceChildren();
    ui.transcript.replaceChildren(stateMessage(t("state.loading"), "loading"));
    ui.ratings.replaceChildren();
    for (const message of [ui.replyMessage, ui.handoffMessage, ui.closeMessage]) say(message, "", "");
  }
  try {
    const transcript = await getJSON("/api/v1/conversations/" + encodeURIComponent(id) + "/transcript", null, signal);
    if (generation !== state.generation) return;
    renderConversation(transcript || {});
    ui.actions.hidden = false;
  } catch (failure) {
    if (generation !== state.generation || failure.aborted) return;
    ui.transcript.replaceChildren(stateMessage(describeFailure(failure, { 404: t("conversations.notFound") }), "error"));
    if (!quiet) ui.actions.hidden = true;
  } finally {
    if (generation === state.generation) ui.detail.removeAttribute("aria-busy");
  }
}

async function onReply(event) {
  event.preventDefault();
  const content = ui.replyContent.value.trim();
  if (!content) {
    say(ui.replyMessage, t("conversations.replyRequired"), "error");
    ui.replyContent.focus();
    return;
  }
  const body = { role: "agent", content: content };
  const agent = ui.replyAgent.value.trim();
  if (agent) body.actor_id = agent;
  if (!state.replyKey) state.replyKey = randomID();
  let reload = false;
  await whileBusy(ui.replyButton, async () => {
    try {
      await api("POST", "/api/v1/conversations/" + encodeURIComponent(state.conversationID) + "/messages", {
        json: body, headers: { "Idempotency-Key": state.replyKey },
      });
      state.replyKey = null;
      ui.replyContent.value = "";
      say(ui.replyMessage, t("conversations.replied"), "ok");
      reload = true;
    } catch (failure) {
      // A 422 for the key means the text changed since the first try: a new key sends it as new.
      if (failure.status === 422) state.replyKey = null;
      say(ui.replyMessage, describeFailure(failure, { 409: t("conversations.closedConflict") }), "error");
      reload = failure.status === 409;
    }
  });
  // After the button is released: the transcript decides whether it may be used again.
  if (reload) await loadConversation(state.conversationID, { quiet: true });
}

// Typing another text starts another message (and another Idempotency-Key).
function onReplyInput() {
  state.replyKey = null;
}

async function onHandoff(event) {
  event.preventDefault();
  const reason = ui.handoffReason.value.trim();
  if (!reason) {
    say(ui.handoffMessage, t("conversations.reasonRequired"), "error");
    ui.handoffReason.focus();
    return;
  }
  await whileBusy(ui.handoffButton, async () => {
    try {
      await api("POST", "/api/v1/conversations/" + encodeURIComponent(state.conversationID) + "/handoff", { json: { reason: reason } });
      ui.handoffReason.value = "";
      say(ui.handoffMessage, t("conversations.handedOff"), "ok");
    } catch (failure) {
      say(ui.handoffMessage, describeFailure(failure), "error");
    }
  });
  await loadConversation(state.conversationID, { quiet: true });
}

async function onClose(event) {
  event.preventDefault();
  const confirmed = await confirmAction({
    title: t("conversations.confirmCloseTitle"),
    message: t("conversations.confirmClose"),
    confirm: t("conversations.close"),
  });
  if (!confirmed) return;
  const reason = ui.closeReason.value.trim();
  await whileBusy(ui.closeButton, async () => {
    try {
      await api("POST", "/api/v1/conversations/" + encodeURIComponent(state.conversationID) + "/close",
        reason ? { json: { reason: reason } } : {});
      ui.closeReason.value = "";
      say(ui.closeMessage, t("conversations.closed"), "ok");
    } catch (failure) {
      say(ui.closeMessage, describeFailure(failure), "error");
    }
  });
  await loadConversation(state.conversationID, { quiet: true });
}

function showInbox() {
  state.conversationID = null;
  ui.inboxView.hidden = false;
  ui.detail.hidden = true;
  loadInbox();
}

function showConversation(id) {
  if (state.conversationID !== id) {
    state.replyKey = null;
    ui.replyContent.value = "";
  }
  state.conversationID = id;
  ui.inboxView.hidden = true;
  ui.detail.hidden = false;
  ui.actions.hidden = false;
  loadConversation(id);
}

function setup() {
  const byID = (id) => document.getElementById(id);
  Object.assign(ui, {
    inboxView: byID("conversations-inbox"),
    needsHuman: byID("inbox-needs-human"),
    status: byID("inbox-status"),
    refresh: byID("inbox-refresh"),
    inbox: byID("inbox-list"),
    inboxStatus: byID("inbox-message"),
    detail: byID("conversation-detail"),
    detailTitle: byID("conversation-title"),
    facts: byID("conversation-facts"),
    transcript: byID("conversation-transcript"),
    ratings: byID("conversation-ratings"),
    actions: byID("conversation-actions"),
    replyForm: byID("reply-form"),
    replyContent: byID("reply-content"),
    replyAgent: byID("reply-agent"),
    replyButton: byID("reply-submit"),
    replyMessage: byID("reply-message"),
    replyClosed: byID("reply-closed"),
    handoffForm: byID("handoff-form"),
    handoffReason: byID("handoff-reason"),
    handoffButton: byID("handoff-submit"),
    handoffMessage: byID("handoff-message"),
    handoffNote: byID("handoff-note"),
    closeForm: byID("close-form"),
    closeReason: byID("close-reason"),
    closeButton: byID("close-submit"),
    closeMessage: byID("close-message"),
    reload: byID("conversation-reload"),
  });
  ui.needsHuman.checked = state.needsHuman;
  ui.status.value = state.status;
  ui.needsHuman.addEventListener("change", () => {
    state.needsHuman = ui.needsHuman.checked;
    state.offset = 0;
    loadInbox();
  });
  ui.status.addEventListener("change", () => {
    state.status = ui.status.value;
    state.offset = 0;
    loadInbox();
  });
  ui.refresh.addEventListener("click", () => loadInbox());
  ui.reload.addEventListener("click", () => loadConversation(state.conversationID, { quiet: true }));
  ui.replyForm.addEventListener("submit", onReply);
  ui.replyContent.addEventListener("input", onReplyInput);
  ui.handoffForm.addEventListener("submit", onHandoff);
  ui.closeForm.addEventListener("submit", onClose);
}

export const conversationsPage = {
  name: "conversations",
  setup: setup,
  /** `#/conversations` is the inbox; `#/conversations/ID` one conversation. */
  enter: (parameter) => {
    if (parameter) showConversation(parameter);
    else showInbox();
  },
  leave: () => {
    cancelLoad(state);
  },
  signOut: () => {
    state.assistants = new Map();
    state.offset = 0;
    state.replyKey = null;
    ui.inbox.replaceChildren();
    ui.transcript.replaceChildren();
    ui.ratings.replaceChildren();
    ui.facts.replaceChildren();
    ui.replyContent.value = "";
  },
};
