// The assistants page: the list, and one assistant with its versions, a field-by-field comparison
// of two of them, promotion and rollback, pause and resume. Every change sends If-Match with the
// ETag the page read: when someone else changed the assistant meanwhile (412), the operator is
// told so and the page reloads it instead of overwriting their change.

import { t, format, DASH } from "./i18n.js";
import { api, getJSON, describeFailure, beginLoad, cancelLoad } from "./api.js";
import { el, fill, stateMessage, table, numberCell, timeElement, whileBusy, say, pager, prettyJSON, keepFocus } from "./dom.js";

const PAGE_SIZE = 50;
/** The versioned fields, in the order the API shows them. */
const FIELDS = ["name", "description", "tone", "language", "task_templates", "metadata"];

const state = {
  offset: 0,
  assistantID: null,
  assistant: null,
  etag: null,
  versions: [],
  generation: 0,
  controller: null,
};

const ui = {};

function fieldLabel(name) {
  return FIELDS.includes(name) ? t("field." + name) : name;
}

function activeWords(assistant) {
  return t(assistant.is_active ? "assistants.active" : "assistants.paused");
}

// ---------------------------------------------------------------------------------------------
// The list

async function loadList() {
  const { generation, signal } = beginLoad(state);
  ui.list.setAttribute("aria-busy", "true");
  ui.list.replaceChildren(stateMessage(t("state.loading"), "loading"));
  try {
    const data = await getJSON("/api/v1/assistants/", { limit: PAGE_SIZE, offset: state.offset }, signal);
    if (generation !== state.generation) return;
    const items = Array.isArray(data.items) ? data.items : [];
    const count = typeof data.count === "number" ? data.count : items.length;
    if (items.length === 0) {
      ui.list.replaceChildren(stateMessage(t("assistants.empty"), "empty"));
      return;
    }
    fill(ui.list,
      el("p", { class: "muted", "data-total": "assistants", "data-value": count }, t("count.assistants", { count: count })),
      table(t("assistants.caption"),
        [t("column.name"), t("column.status"), t("field.language"), t("assistants.liveVersion"), t("assistants.latestVersion"), t("column.updated")],
        items.map((assistant) => el("tr", { "data-assistant-id": assistant.id }, [
          el("th", { scope: "row" }, el("a", { href: "#/assistants/" + assistant.id }, assistant.name || t("assistant.unnamed"))),
          el("td", { "data-field": "is_active" }, el("span", { class: "badge " + (assistant.is_active ? "badge-ready" : "badge-paused") }, activeWords(assistant))),
          el("td", null, assistant.language || DASH),
          numberCell("live_version", assistant.live_version, "v" + format.integer(assistant.live_version)),
          numberCell("latest_version", assistant.latest_version, "v" + format.integer(assistant.latest_version)),
          el("td", null, timeElement(assistant.updated_at)),
        ])), { textColumns: [0, 1, 2, 5] }),
      pager("assistants", state.offset, PAGE_SIZE, count, (offset) => {
        state.offset = offset;
        loadList();
      }),
    );
  } catch (failure) {
    if (generation !== state.generation || failure.aborted) return;
    ui.list.replaceChildren(stateMessage(describeFailure(failure), "error"));
  } finally {
    if (generation === state.generation) ui.list.removeAttribute("aria-busy");
  }
}

// ---------------------------------------------------------------------------------------------
// One assistant

function renderAssistant() {
  const assistant = state.assistant;
  ui.detailTitle.textContent = assistant.name || t("assistant.unnamed");
  ui.facts.replaceChildren(...[
    [t("column.status"), activeWords(assistant), "is_active", String(assistant.is_active)],
    [t("assistants.liveVersion"), "v" + format.integer(assistant.live_version), "live_version", assistant.live_version],
    [t("assistants.latestVersion"), "v" + format.integer(assistant.latest_version), "latest_version", assistant.latest_version],
    [t("field.language"), assistant.language || DASH],
    [t("field.tone"), assistant.tone || DASH],
    [t("assistants.knowledgeMode"), t("assistants.mode." + (assistant.knowledge_mode === "linked" ? "linked" : "all"))],
    [t("column.updated"), timeElement(assistant.updated_at)],
  ].map(([label, value, hook, raw]) => el("div", { class: "fact" }, [
    el("dt", null, label),
    el("dd", hook ? { "data-fact": hook, "data-value": raw } : null, value),
  ])));
  ui.toggle.textContent = t(assistant.is_active ? "assistants.pause" : "assistants.resume");
  ui.toggle.setAttribute("data-action", assistant.is_active ? "deactivate" : "activate");
  ui.toggle.disabled = false;
}

function renderVersions() {
  const assistant = state.assistant;
  const versions = state.versions;
  keepFocus(ui.versions, () => {
    if (versions.length === 0) {
      ui.versions.replaceChildren(stateMessage(t("assistants.noVersions"), "empty"));
      return;
    }
    ui.versions.replaceChildren(table(t("assistants.versionsCaption"),
      [t("column.version"), t("assistants.changed"), t("assistants.note"), t("column.created"), t("column.actions")],
      versions.map((version) => {
        const live = version.version === assistant.live_version;
        let action;
        if (live) {
          action = el("span", { class: "badge badge-ready" }, t("assistants.live"));
        } else {
          const older = version.version < assistant.live_version;
          action = el("button", {
            type: "button", class: "small-button", "data-action": older ? "rollback" : "promote", "data-version": version.version,
            "data-focus-key": "promote-" + version.version,
          }, t(older ? "assistants.rollBack" : "assistants.promote", { version: format.integer(version.version) }));
          action.addEventListener("click", () => promote(version.version, action));
        }
        return el("tr", { "data-version": version.version, class: live ? "live-row" : null }, [
          el("th", { scope: "row" }, "v" + format.integer(version.version)),
          el("td", null, (version.changed_fields || []).length > 0 ? (version.changed_fields || []).map(fieldLabel).join(", ") : DASH),
          el("td", { class: "reason" }, version.change_note || DASH),
          el("td", null, timeElement(version.created_at)),
          el("td", { class: "actions" }, action),
        ]);
      }), { textColumns: [0, 1, 2, 3, 4] }));
  });

  // The comparison's choices: by default the version before the latest against the latest.
  const numbers = versions.map((version) => version.version).sort((a, b) => a - b);
  for (const [select, fallback] of [[ui.diffFrom, numbers[Math.max(0, numbers.length - 2)]], [ui.diffTo, numbers[numbers.length - 1]]]) {
    const chosen = Number(select.value) || fallback;
    select.replaceChildren(...numbers.map((number) => el("option", { value: number },
      "v" + format.integer(number) + (number === assistant.live_version ? " " + t("assistants.liveMark") : ""))));
    select.value = String(numbers.includes(chosen) ? chosen : fallback);
  }
  ui.diffButton.disabled = numbers.length < 1;
}

/** Reads the assistant (and its ETag) and its versions. */
async function loadAssistant(id, options) {
  const { generation, signal } = beginLoad(state);
  const quiet = options && options.quiet;
  if (!quiet) {
    ui.detail.setAttribute("aria-busy", "true");
    ui.detailTitle.textContent = t("state.loading");
    ui.facts.replaceChildren();
    ui.versions.replaceChildren(stateMessage(t("state.loading"), "loading"));
    ui.diff.replaceChildren();
    ui.toggle.disabled = true;
    say(ui.message, "", "");
  }
  try {
    const path = "/api/v1/assistants/" + encodeURIComponent(id);
    const [reply, versions] = await Promise.all([
      api("GET", path, { signal: signal }),
      getJSON(path + "/versions", { limit: 1000 }, signal),
    ]);
    if (generation !== state.generation) return false;
    state.assistant = reply.data;
    state.etag = reply.headers.get("ETag");
    state.versions = (Array.isArray(versions.items) ? versions.items : []).slice().sort((a, b) => b.version - a.version);
    ui.body.hidden = false;
    renderAssistant();
    renderVersions();
    return true;
  } catch (failure) {
    if (generation !== state.generation || failure.aborted) return false;
    ui.body.hidden = true;
    ui.detailTitle.textContent = t("assistants.title");
    say(ui.message, describeFailure(failure, { 404: t("assistants.notFound") }), "error");
    return false;
  } finally {
    if (generation === state.generation) ui.detail.removeAttribute("aria-busy");
  }
}

/**
 * One change with If-Match. On 412 the operator is told that someone else changed the assistant,
 * and the page reloads it: nothing is overwritten, and they can look again and retry.
 */
async function change(path, button, done) {
  if (!state.etag) {
    say(ui.message, t("assistants.noEtag"), "error");
    return;
  }
  await whileBusy(button, async () => {
    try {
      const reply = await api("POST", path, { headers: { "If-Match": state.etag } });
      state.assistant = reply.data;
      state.etag = reply.headers.get("ETag") || state.etag;
      say(ui.message, done(reply.data), "ok");
      await loadAssistant(state.assistantID, { quiet: true });
    } catch (failure) {
      if (failure.status === 412) {
        say(ui.message, t("assistants.stale"), "error");
        await loadAssistant(state.assistantID, { quiet: true });
        ui.message.setAttribute("data-stale", "true");
        return;
      }
      say(ui.message, describeFailure(failure, { 404: t("assistants.notFound") }), "error");
    }
  });
}

function promote(version, button) {
  const path = "/api/v1/assistants/" + encodeURIComponent(state.assistantID) + "/versions/" + version + "/promote";
  const older = version < state.assistant.live_version;
  ui.message.removeAttribute("data-stale");
  return change(path, button, () => t(older ? "assistants.rolledBack" : "assistants.promoted", { version: format.integer(version) }));
}

function onToggle() {
  const pausing = state.assistant.is_active;
  const path = "/api/v1/assistants/" + encodeURIComponent(state.assistantID) + (pausing ? "/deactivate" : "/activate");
  ui.message.removeAttribute("data-stale");
  return change(path, ui.toggle, () => t(pausing ? "assistants.pausedNow" : "assistants.resumedNow"));
}

/** A field's value for the comparison: text as it is, lists and objects as indented JSON. */
function showValue(value) {
  if (typeof value === "string") return value === "" ? el("span", { class: "muted" }, t("assistants.emptyValue")) : el("span", { class: "value-text" }, value);
  return el("pre", { class: "value-json" }, prettyJSON(value));
}

async function onCompare(event) {
  event.preventDefault();
  const from = Number(ui.diffFrom.value);
  const to = Number(ui.diffTo.value);
  if (!from || !to) return;
  const base = "/api/v1/assistants/" + encodeURIComponent(state.assistantID) + "/versions/";
  ui.diff.setAttribute("aria-busy", "true");
  ui.diff.replaceChildren(stateMessage(t("state.loading"), "loading"));
  await whileBusy(ui.diffButton, async () => {
    try {
      const [a, b] = await Promise.all([getJSON(base + from), getJSON(base + to)]);
      const rows = FIELDS.map((name) => {
        const same = JSON.stringify(a[name]) === JSON.stringify(b[name]);
        return el("tr", { "data-field": name, "data-changed": String(!same), class: same ? null : "changed" }, [
          el("th", { scope: "row" }, fieldLabel(name)),
          el("td", null, showValue(a[name])),
          el("td", null, showValue(b[name])),
          el("td", null, el("span", { class: "badge " + (same ? "badge-same" : "badge-changed") }, t(same ? "assistants.same" : "assistants.different"))),
        ]);
      });
      const changed = FIELDS.filter((name) => JSON.stringify(a[name]) !== JSON.stringify(b[name]));
      ui.diff.replaceChildren(
        el("p", { role: "status", class: "diff-summary" }, changed.length === 0
          ? t("assistants.noDifference", { a: format.integer(from), b: format.integer(to) })
          : t("assistants.differences", { a: format.integer(from), b: format.integer(to), fields: changed.map(fieldLabel).join(", ") })),
        table(t("assistants.diffCaption", { a: format.integer(from), b: format.integer(to) }),
          [t("column.field"), "v" + format.integer(from), "v" + format.integer(to), t("assistants.comparison")], rows,
          { textColumns: [0, 1, 2, 3], className: "diff-table" }),
      );
    } catch (failure) {
      ui.diff.replaceChildren(stateMessage(describeFailure(failure), "error"));
    } finally {
      ui.diff.removeAttribute("aria-busy");
    }
  });
}

function showList() {
  state.assistantID = null;
  ui.listView.hidden = false;
  ui.detail.hidden = true;
  loadList();
}

function showAssistant(id) {
  state.assistantID = id;
  state.assistant = null;
  state.etag = null;
  ui.diffFrom.value = "";
  ui.diffTo.value = "";
  ui.listView.hidden = true;
  ui.detail.hidden = false;
  loadAssistant(id);
}

function setup() {
  const byID = (id) => document.getElementById(id);
  Object.assign(ui, {
    listView: byID("assistants-list-view"),
    list: byID("assistants-list"),
    refresh: byID("assistants-refresh"),
    detail: byID("assistant-detail"),
    detailTitle: byID("assistant-title"),
    body: byID("assistant-body"),
    facts: byID("assistant-facts"),
    toggle: byID("assistant-toggle"),
    reload: byID("assistant-reload"),
    message: byID("assistant-message"),
    versions: byID("assistant-versions"),
    diffForm: byID("diff-form"),
    diffFrom: byID("diff-from"),
    diffTo: byID("diff-to"),
    diffButton: byID("diff-submit"),
    diff: byID("assistant-diff"),
  });
  ui.refresh.addEventListener("click", () => loadList());
  ui.toggle.addEventListener("click", onToggle);
  ui.reload.addEventListener("click", () => {
    ui.message.removeAttribute("data-stale");
    loadAssistant(state.assistantID);
  });
  ui.diffForm.addEventListener("submit", onCompare);
}

export const assistantsPage = {
  name: "assistants",
  setup: setup,
  /** `#/assistants` is the list; `#/assistants/ID` one assistant. */
  enter: (parameter) => {
    if (parameter) showAssistant(parameter);
    else showList();
  },
  leave: () => {
    cancelLoad(state);
  },
  signOut: () => {
    state.offset = 0;
    state.assistant = null;
    state.etag = null;
    ui.list.replaceChildren();
    ui.versions.replaceChildren();
    ui.diff.replaceChildren();
    ui.facts.replaceChildren();
    say(ui.message, "", "");
  },
};
