// The knowledge page: the organization's sources of one kind with their ingestion status (polled
// while any is pending or processing), uploads, Q&A pairs, URLs, reprocessing, deletion after a
// confirmation, and a search that shows the ranked chunks as an assistant would see them.

import { t, format, DASH, MIDDLE_DOT } from "./i18n.js";
import { api, getJSON, describeFailure, beginLoad, cancelLoad } from "./api.js";
import {
  el, fill, figure, stateMessage, table, timeElement, keepFocus, whileBusy, say, confirmAction, pager, shortID,
} from "./dom.js";
import { kindLabel, statusLabel } from "./labels.js";

const PAGE_SIZE = 25;
const PATHS = { file: "/api/v1/knowledge/files/", url: "/api/v1/knowledge/urls/", qa: "/api/v1/knowledge/qas/" };
// Polling starts quick and slows down, so a long ingestion does not spend the organization's
// hourly requests: 2 s, 3 s, 4.5 s … up to 20 s between looks.
const POLL_FIRST = 2000;
const POLL_MAX = 20000;

const state = {
  kind: "file",
  status: "",
  offset: 0,
  generation: 0,
  controller: null,
  pollTimer: null,
  pollDelay: POLL_FIRST,
  /** A poll came due while the tab was hidden. */
  pollDue: false,
  active: false,
  /** Sources just added: their rows are marked until the next change of filters. */
  fresh: new Set(),
};

const ui = {};

function title(source) {
  if (source.kind === "qa") return source.question || source.title || t("sources.untitled");
  return source.title || source.filename || source.url || t("sources.untitled");
}

function progressOf(source) {
  const progress = source.progress || {};
  const done = typeof progress.chunks_done === "number" ? progress.chunks_done : 0;
  const total = typeof progress.chunks_total === "number" ? progress.chunks_total : 0;
  return { done: done, total: total };
}

function statusCell(source) {
  const status = source.status;
  const parts = [el("span", { class: "badge badge-" + status }, statusLabel(status))];
  if (status === "pending" || status === "processing") {
    const { done, total } = progressOf(source);
    const words = total > 0
      ? t("knowledge.progress", { done: format.integer(done), total: format.integer(total) })
      : t(status === "pending" ? "knowledge.waiting" : "knowledge.reading");
    const bar = el("progress", { class: "ingest-progress", max: total > 0 ? total : null, value: total > 0 ? done : null, "aria-label": words });
    parts.push(el("span", { class: "progress-words small" }, words), bar);
  } else if (status === "ready") {
    const chunks = typeof source.chunk_count === "number" ? source.chunk_count : 0;
    parts.push(el("span", { class: "progress-words small muted" }, t("count.chunks", { count: chunks })));
  } else if (status === "failed" && source.error) {
    parts.push(el("span", { class: "failed-reason small" }, source.error.message || source.error.code || ""));
    if (source.error.code) parts.push(el("code", { class: "error-code small" }, source.error.code));
  }
  return el("td", { class: "status-cell", "data-field": "status", "data-value": status }, parts);
}

function detailsCell(source) {
  if (source.kind === "file") {
    return el("td", { "data-field": "details" }, [
      source.filename ? el("span", { class: "filename" }, source.filename) : null,
      source.filename ? el("br") : null,
      el("span", { class: "muted small" }, [source.content_kind || source.media_type || DASH, MIDDLE_DOT, format.bytes(source.size_bytes)]),
    ]);
  }
  if (source.kind === "url") {
    return el("td", { "data-field": "details" }, el("span", { class: "url-text" }, source.url || DASH));
  }
  return el("td", { "data-field": "details" }, el("span", { class: "answer-text" }, source.answer || DASH));
}

function actionsCell(source) {
  const name = title(source);
  const buttons = [];
  if (source.kind !== "qa") {
    const again = el("button", {
      type: "button", class: "small-button", "data-action": "reprocess", "data-focus-key": "reprocess-" + source.id,
      "aria-label": t(source.kind === "url" ? "knowledge.refreshNamed" : "knowledge.reprocessNamed", { name: name }),
    }, t(source.kind === "url" ? "knowledge.refresh" : "knowledge.reprocess"));
    again.addEventListener("click", () => reprocess(source, again));
    buttons.push(again);
  }
  const remove = el("button", {
    type: "button", class: "small-button danger-outline", "data-action": "delete", "data-focus-key": "delete-" + source.id,
    "aria-label": t("knowledge.deleteNamed", { name: name }),
  }, t("knowledge.delete"));
  remove.addEventListener("click", () => removeSource(source, remove));
  buttons.push(remove);
  return el("td", { class: "actions" }, el("div", { class: "buttons" }, buttons));
}

function renderList(data) {
  const items = Array.isArray(data.items) ? data.items : [];
  const count = typeof data.count === "number" ? data.count : items.length;
  const busy = items.some((source) => source.status === "pending" || source.status === "processing");
  keepFocus(ui.list, () => {
    if (items.length === 0) {
      ui.list.replaceChildren(stateMessage(state.status ? t("knowledge.emptyStatus") : t("knowledge.empty." + state.kind), "empty"));
      return;
    }
    const detailHeading = t(state.kind === "file" ? "column.file" : state.kind === "url" ? "column.address" : "column.answer");
    const rows = items.map((source) => el("tr", {
      "data-source": source.id, "data-status": source.status, class: state.fresh.has(source.id) ? "fresh" : null,
    }, [
      el("th", { scope: "row", class: "source-title" }, [
        el("span", null, title(source)),
        el("br"),
        el("code", { class: "muted small", title: source.id }, shortID(source.id)),
      ]),
      statusCell(source),
      detailsCell(source),
      el("td", { "data-field": "updated" }, timeElement(source.updated_at)),
      actionsCell(source),
    ]));
    fill(ui.list,
      el("p", { class: "muted", "data-total": "sources", "data-value": count }, t("count.sources." + state.kind, { count: count })),
      busy ? el("p", { class: "muted small", "data-polling": "true" }, t("knowledge.polling")) : null,
      table(t("knowledge.caption." + state.kind), [t("column.title"), t("column.status"), detailHeading, t("column.updated"), t("column.actions")],
        rows, { textColumns: [0, 1, 2, 3, 4], className: "sources-table" }),
      pager("knowledge", state.offset, PAGE_SIZE, count, (offset) => {
        state.offset = offset;
        load();
      }),
    );
  });
  return busy;
}

function stopPolling() {
  clearTimeout(state.pollTimer);
  state.pollTimer = null;
  state.pollDue = false;
}

function schedulePoll() {
  stopPolling();
  if (!state.active) return;
  state.pollTimer = setTimeout(() => {
    state.pollTimer = null;
    // Nobody looks at a hidden tab: the poll waits until it is shown again.
    if (document.hidden) state.pollDue = true;
    else load({ quiet: true });
  }, state.pollDelay);
  state.pollDelay = Math.min(POLL_MAX, Math.round(state.pollDelay * 1.5));
}

/** Loads the list; `quiet` for a poll, which keeps the current rows on screen while it asks. */
async function load(options) {
  const quiet = options && options.quiet;
  stopPolling();
  const { generation, signal } = beginLoad(state);
  if (!quiet) {
    state.pollDelay = POLL_FIRST;
    ui.list.setAttribute("aria-busy", "true");
    ui.list.replaceChildren(stateMessage(t("state.loading"), "loading"));
  }
  try {
    const data = await getJSON(PATHS[state.kind], { status: state.status, limit: PAGE_SIZE, offset: state.offset }, signal);
    if (generation !== state.generation) return;
    if (renderList(data || {})) schedulePoll();
  } catch (failure) {
    if (generation !== state.generation || failure.aborted) return;
    ui.list.replaceChildren(stateMessage(describeFailure(failure), "error"));
  } finally {
    if (generation === state.generation) ui.list.removeAttribute("aria-busy");
  }
}

async function reprocess(source, button) {
  const path = PATHS[source.kind] + source.id + (source.kind === "url" ? "/refresh" : "/reprocess");
  await whileBusy(button, async () => {
    try {
      await api("POST", path);
      say(ui.listStatus, t("knowledge.reprocessed", { name: title(source) }), "ok");
      state.pollDelay = POLL_FIRST;
      load({ quiet: true });
    } catch (failure) {
      say(ui.listStatus, describeFailure(failure), "error");
    }
  });
}

async function removeSource(source, button) {
  const name = title(source);
  const confirmed = await confirmAction({
    title: t("knowledge.confirmTitle"),
    message: t("knowledge.confirmMessage", { name: name }),
    confirm: t("knowledge.confirmDelete"),
    danger: true,
  });
  if (!confirmed) return;
  await whileBusy(button, async () => {
    try {
      await api("DELETE", PATHS[source.kind] + source.id);
      say(ui.listStatus, t("knowledge.deleted", { name: name }), "ok");
      ui.heading.focus();
      await load({ quiet: true });
    } catch (failure) {
      say(ui.listStatus, describeFailure(failure, { 404: t("knowledge.goneAlready") }), "error");
      if (failure.status === 404) load({ quiet: true });
    }
  });
}

/** After an addition: show the kind it belongs to, marked, and watch it until it is ready. */
function showAdded(kind, id) {
  state.fresh = new Set([id]);
  if (state.kind !== kind || state.status) {
    state.kind = kind;
    state.status = "";
    ui.kind.value = kind;
    ui.status.value = "";
  }
  state.offset = 0;
  load();
}

async function onUpload(event) {
  event.preventDefault();
  const file = ui.uploadFile.files && ui.uploadFile.files[0];
  if (!file) {
    say(ui.uploadMessage, t("knowledge.chooseFile"), "error");
    ui.uploadFile.focus();
    return;
  }
  const form = new FormData();
  form.append("file", file, file.name);
  const name = ui.uploadTitle.value.trim();
  if (name) form.append("title", name);
  say(ui.uploadMessage, t("knowledge.uploading"), "");
  await whileBusy(ui.uploadButton, async () => {
    try {
      const reply = await api("POST", PATHS.file, { form: form });
      const source = reply.data || {};
      say(ui.uploadMessage, t(reply.status === 200 ? "knowledge.uploadedAgain" : "knowledge.uploaded", { name: title(source) }), "ok");
      ui.uploadForm.reset();
      showAdded("file", source.id);
    } catch (failure) {
      say(ui.uploadMessage, describeFailure(failure), "error");
    }
  });
}

async function onAddQA(event) {
  event.preventDefault();
  const question = ui.qaQuestion.value.trim();
  const answer = ui.qaAnswer.value.trim();
  if (!question || !answer) {
    say(ui.qaMessage, t("knowledge.qaRequired"), "error");
    (question ? ui.qaAnswer : ui.qaQuestion).focus();
    return;
  }
  await whileBusy(ui.qaButton, async () => {
    try {
      const reply = await api("POST", PATHS.qa, { json: { question: question, answer: answer } });
      say(ui.qaMessage, t("knowledge.qaAdded"), "ok");
      ui.qaForm.reset();
      showAdded("qa", reply.data.id);
    } catch (failure) {
      say(ui.qaMessage, describeFailure(failure), "error");
    }
  });
}

async function onAddURL(event) {
  event.preventDefault();
  const address = ui.urlAddress.value.trim();
  if (!address) {
    say(ui.urlMessage, t("knowledge.urlRequired"), "error");
    ui.urlAddress.focus();
    return;
  }
  const body = { url: address };
  const name = ui.urlTitle.value.trim();
  if (name) body.title = name;
  await whileBusy(ui.urlButton, async () => {
    try {
      const reply = await api("POST", PATHS.url, { json: body });
      say(ui.urlMessage, t("knowledge.urlAdded"), "ok");
      ui.urlForm.reset();
      showAdded("url", reply.data.id);
    } catch (failure) {
      say(ui.urlMessage, describeFailure(failure), "error");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Search

async function loadAssistants() {
  try {
    const data = await getJSON("/api/v1/assistants/", { limit: 1000 });
    const items = Array.isArray(data.items) ? data.items : [];
    const chosen = ui.searchAssistant.value;
    ui.searchAssistant.replaceChildren(el("option", { value: "" }, t("knowledge.searchEverything")),
      ...items.map((assistant) => el("option", { value: assistant.id }, assistant.name)));
    ui.searchAssistant.value = items.some((assistant) => assistant.id === chosen) ? chosen : "";
  } catch (failure) {
    // Without the list, a search still covers every source.
  }
}

function renderHits(data, assistantName) {
  const items = Array.isArray(data.items) ? data.items : [];
  const parts = [];
  parts.push(el("p", { class: "muted", "data-total": "hits", "data-value": items.length }, [
    t("count.passages", { count: items.length }),
    assistantName ? " " + t("knowledge.seenBy", { name: assistantName }) : "",
    data.embedding_model ? " " + t("knowledge.model", { model: data.embedding_model }) : "",
  ]));
  if (items.length === 0) {
    parts.push(stateMessage(t("knowledge.noHits"), "empty"));
    return parts;
  }
  parts.push(el("ol", { class: "hits" }, items.map((hit, index) =>
    el("li", { class: "hit", "data-chunk": hit.chunk_id, "data-source": hit.source_id }, [
      el("p", { class: "hit-head" }, [
        el("span", { class: "hit-rank" }, t("knowledge.rank", { rank: format.integer(index + 1) })),
        " ",
        el("strong", { class: "hit-title" }, hit.title || t("sources.untitled")),
        " ",
        el("span", { class: "muted" }, "(" + kindLabel(hit.kind) + ")"),
      ]),
      el("p", { class: "hit-meta small" }, [
        t("knowledge.score") + " ",
        figure("span", { class: "hit-score", "data-field": "score" }, hit.score, format.score(hit.score)),
        MIDDLE_DOT,
        t("knowledge.chunk", { index: format.integer((hit.chunk_index || 0) + 1) }),
        MIDDLE_DOT,
        t("knowledge.source") + " ",
        el("code", { title: hit.source_id }, shortID(hit.source_id)),
      ]),
      el("blockquote", { class: "hit-snippet" }, el("p", null, hit.snippet || "")),
    ]))));
  return parts;
}

async function onSearch(event) {
  event.preventDefault();
  const query = ui.searchQuery.value.trim();
  if (!query) {
    say(ui.searchMessage, t("knowledge.searchRequired"), "error");
    ui.searchQuery.focus();
    return;
  }
  const body = { query: query, top_k: Number(ui.searchTopK.value) || 5 };
  const assistantID = ui.searchAssistant.value;
  const assistantName = assistantID ? ui.searchAssistant.selectedOptions[0].textContent : "";
  if (assistantID) body.assistant_id = assistantID;
  say(ui.searchMessage, t("knowledge.searching"), "");
  ui.hits.setAttribute("aria-busy", "true");
  await whileBusy(ui.searchButton, async () => {
    try {
      const reply = await api("POST", "/api/v1/knowledge/search", { json: body });
      ui.hits.replaceChildren(...renderHits(reply.data || {}, assistantName));
      say(ui.searchMessage, "", "");
    } catch (failure) {
      ui.hits.replaceChildren();
      say(ui.searchMessage, describeFailure(failure, { 404: t("knowledge.assistantGone") }), "error");
      if (failure.status === 404) loadAssistants();
    } finally {
      ui.hits.removeAttribute("aria-busy");
    }
  });
}

function setup() {
  const byID = (id) => document.getElementById(id);
  Object.assign(ui, {
    heading: byID("knowledge-title"),
    kind: byID("knowledge-kind"),
    status: byID("knowledge-status"),
    refresh: byID("knowledge-refresh"),
    list: byID("knowledge-list"),
    listStatus: byID("knowledge-list-status"),
    uploadForm: byID("upload-form"),
    uploadFile: byID("upload-file"),
    uploadTitle: byID("upload-title"),
    uploadButton: byID("upload-submit"),
    uploadMessage: byID("upload-message"),
    qaForm: byID("qa-form"),
    qaQuestion: byID("qa-question"),
    qaAnswer: byID("qa-answer"),
    qaButton: byID("qa-submit"),
    qaMessage: byID("qa-message"),
    urlForm: byID("url-form"),
    urlAddress: byID("url-address"),
    urlTitle: byID("url-title"),
    urlButton: byID("url-submit"),
    urlMessage: byID("url-message"),
    searchForm: byID("search-form"),
    searchQuery: byID("search-query"),
    searchAssistant: byID("search-assistant"),
    searchTopK: byID("search-top-k"),
    searchButton: byID("search-submit"),
    searchMessage: byID("search-message"),
    hits: byID("search-hits"),
  });
  ui.kind.value = state.kind;
  ui.status.value = state.status;
  ui.kind.addEventListener("change", () => {
    state.kind = PATHS[ui.kind.value] ? ui.kind.value : "file";
    state.offset = 0;
    state.fresh.clear();
    load();
  });
  ui.status.addEventListener("change", () => {
    state.status = ui.status.value;
    state.offset = 0;
    load();
  });
  ui.refresh.addEventListener("click", () => load());
  ui.uploadForm.addEventListener("submit", onUpload);
  ui.qaForm.addEventListener("submit", onAddQA);
  ui.urlForm.addEventListener("submit", onAddURL);
  ui.searchForm.addEventListener("submit", onSearch);
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || !state.pollDue) return;
    state.pollDue = false;
    if (state.active) load({ quiet: true });
  });
}

export const knowledgePage = {
  name: "knowledge",
  setup: setup,
  enter: () => {
    state.active = true;
    load();
    loadAssistants();
  },
  leave: () => {
    state.active = false;
    stopPolling();
    cancelLoad(state);
  },
  signOut: () => {
    state.fresh.clear();
    state.offset = 0;
    ui.list.replaceChildren();
    ui.hits.replaceChildren();
    for (const message of [ui.listStatus, ui.uploadMessage, ui.qaMessage, ui.urlMessage, ui.searchMessage]) say(message, "", "");
  },
};
