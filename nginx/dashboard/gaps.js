// The knowledge gaps page: questions the assistants could not answer well, grouped by meaning, with
// how often, in which languages, why, by which assistants and when they were asked, examples
// linking to their conversations, and a form per gap that answers it as a new Q&A pair.

import { t, format, DASH, MIDDLE_DOT } from "./i18n.js";
import { api, getJSON, describeFailure, beginLoad, cancelLoad } from "./api.js";
import { el, fill, stateMessage, timeElement, whileBusy, say, pager, sparkline, shortID, field, figure } from "./dom.js";
import { statusLabel } from "./labels.js";

const DAY = 24 * 3600 * 1000;
const RANGES = { "7d": 7 * DAY, "30d": 30 * DAY, "24h": DAY };
const PAGE_SIZE = 20;
const REASONS = ["handed_off", "no_sources", "low_rating"];
const POLL_FIRST = 2000;
const POLL_MAX = 20000;

const state = {
  range: "7d",
  status: "open",
  reason: "",
  language: "",
  assistantID: "",
  offset: 0,
  generation: 0,
  controller: null,
  active: false,
  /** Q&A pairs written from this page that are not ready yet: qa id → {timer, delay, target}. */
  watching: new Map(),
};

const ui = {};

function reasonLabel(reason) {
  return REASONS.includes(reason) ? t("reason." + reason) : reason || DASH;
}

async function loadAssistants(signal) {
  try {
    const data = await getJSON("/api/v1/assistants/", { limit: 1000 }, signal);
    const items = Array.isArray(data.items) ? data.items : [];
    const chosen = state.assistantID;
    ui.assistant.replaceChildren(el("option", { value: "" }, t("gaps.allAssistants")),
      ...items.map((assistant) => el("option", { value: assistant.id }, assistant.name)));
    ui.assistant.value = items.some((assistant) => assistant.id === chosen) ? chosen : "";
  } catch (failure) {
    // The filter keeps "all assistants"; the list says what went wrong.
  }
}

async function load() {
  const { generation, signal } = beginLoad(state);
  ui.list.setAttribute("aria-busy", "true");
  ui.list.replaceChildren(stateMessage(t("state.loading"), "loading"));
  const from = new Date(Date.now() - (RANGES[state.range] || RANGES["7d"])).toISOString();
  try {
    const data = await getJSON("/analytics/gaps/", {
      from: from, status: state.status, reason: state.reason, language: state.language, assistant_id: state.assistantID, limit: PAGE_SIZE, offset: state.offset,
    }, signal);
    if (generation !== state.generation) return;
    render(data || {});
    say(ui.listStatus, t("knowledge.updated", { at: format.clock(new Date()) }), "");
  } catch (failure) {
    if (generation !== state.generation || failure.aborted) return;
    ui.list.replaceChildren(stateMessage(describeFailure(failure, {
      403: t("gaps.forbidden"),
      404: t("gaps.unavailable"),
    }), "error"));
    say(ui.listStatus, "", "");
  } finally {
    if (generation === state.generation) ui.list.removeAttribute("aria-busy");
  }
}

function render(data) {
  const items = Array.isArray(data.items) ? data.items : [];
  const count = typeof data.count === "number" ? data.count : items.length;
  if (items.length === 0) {
    ui.list.replaceChildren(stateMessage(t(state.status === "open" ? "gaps.emptyOpen" : "gaps.empty"), "empty"));
    return;
  }
  fill(ui.list,
    el("p", { class: "muted", "data-total": "gaps", "data-value": count }, t("count.gaps", { count: count })),
    el("ol", { class: "gaps" }, items.map(renderGap)),
    pager("gaps", state.offset, PAGE_SIZE, count, (offset) => {
      state.offset = offset;
      load();
    }),
  );
}

function countList(entries, label, hook) {
  if (!Array.isArray(entries) || entries.length === 0) return el("span", null, DASH);
  return el("ul", { class: "inline-list" }, entries.map((entry) =>
    el("li", { "data-item": entry[hook] }, [label(entry), " ", el("span", { class: "muted" }, "(" + format.integer(entry.count) + ")")])));
}

function trendChart(trend) {
  const days = Array.isArray(trend) ? trend : [];
  const values = days.map((day) => day.count || 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  let busiest = null;
  for (const day of days) if ((day.count || 0) > 0 && (!busiest || day.count > busiest.count)) busiest = day;
  const label = days.length === 0 ? t("gaps.noTrend") : t("gaps.trend", {
    from: format.date(days[0].date), to: format.date(days[days.length - 1].date), total: t("count.questions", { count: total }),
  }) + (busiest ? " " + t("gaps.trendBusiest", { day: format.date(busiest.date), count: format.integer(busiest.count) }) : "");
  return el("figure", { class: "trend" }, [
    sparkline(values, label),
    el("figcaption", { class: "small muted" }, days.length > 0 ? format.day(days[0].date) + " \u2013 " + format.day(days[days.length - 1].date) : DASH),
  ]);
}

function renderExamples(gap) {
  const examples = Array.isArray(gap.examples) ? gap.examples : [];
  if (examples.length === 0) return stateMessage(t("gaps.noExamples"), "empty");
  return el("ul", { class: "examples" }, examples.map((example) => el("li", { "data-message": example.message_id }, [
    el("q", null, example.question || ""),
    el("p", { class: "small muted" }, [
      timeElement(example.asked_at),
      example.language ? MIDDLE_DOT + format.languageName(example.language) : null,
      Array.isArray(example.reasons) && example.reasons.length > 0 ? MIDDLE_DOT + example.reasons.map(reasonLabel).join(", ") : null,
      MIDDLE_DOT,
      el("a", {
        href: "#/conversations/" + example.conversation_id, "data-conversation": example.conversation_id,
        "aria-label": t("gaps.openConversationNamed", { id: shortID(example.conversation_id) }),
      }, t("gaps.openConversation")),
    ]),
  ])));
}

function renderAnswerState(gap, target) {
  const answer = gap.answer;
  target.replaceChildren(el("p", { class: "answered" }, [
    el("span", { class: "badge badge-ready" }, t("gaps.answered")),
    " ",
    answer && answer.answered_at ? t("gaps.answeredAt", { at: format.dateTime(answer.answered_at) }) : "",
    answer && answer.qa_id ? [" ", t("gaps.qaPair") + " ", el("code", { title: answer.qa_id }, shortID(answer.qa_id))] : null,
  ].flat()));
}

function answerForm(gap) {
  const id = gap.id;
  const answerID = "gap-answer-" + id;
  const questionID = "gap-question-" + id;
  const message = el("p", { class: "form-message", role: "status", hidden: true, "data-answer-message": id });
  const qaState = el("p", { class: "qa-state small", hidden: true, "data-qa-state": id });
  const answer = el("textarea", { id: answerID, name: "answer", rows: 4, required: true, maxlength: 20000 });
  const question = el("input", { id: questionID, name: "question", type: "text", maxlength: 2000, autocomplete: "off" });
  question.value = gap.question || "";
  const assistants = Array.isArray(gap.assistants) ? gap.assistants : [];
  const boxes = assistants.map((entry) => {
    const boxID = "gap-assistant-" + id + "-" + entry.assistant_id;
    const box = el("input", { id: boxID, type: "checkbox", value: entry.assistant_id, checked: true });
    return { box: box, element: el("div", { class: "check" }, [box, el("label", { for: boxID }, entry.name || shortID(entry.assistant_id))]) };
  });
  const submit = el("button", { type: "submit", class: "primary", "data-answer-submit": id }, t("gaps.submit"));
  const form = el("form", { class: "answer-form", novalidate: true, "data-gap-form": id }, [
    field(answerID, t("gaps.answerLabel"), answer, t("gaps.answerHint")),
    field(questionID, t("gaps.questionLabel"), question, t("gaps.questionHint")),
    boxes.length > 0 ? el("fieldset", { class: "checks" }, [el("legend", null, t("gaps.assistantsLabel"))].concat(boxes.map((entry) => entry.element))) : null,
    el("div", { class: "buttons" }, submit),
    message,
    qaState,
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = answer.value.trim();
    if (!text) {
      say(message, t("gaps.answerRequired"), "error");
      answer.focus();
      return;
    }
    const body = { answer: text };
    const asked = question.value.trim();
    if (asked && asked !== gap.question) body.question = asked;
    const chosen = boxes.filter((entry) => entry.box.checked).map((entry) => entry.box.value);
    if (boxes.length > 0 && chosen.length === 0) {
      say(message, t("gaps.chooseAssistant"), "error");
      boxes[0].box.focus();
      return;
    }
    // Every assistant involved is the API's default; a narrower choice is sent.
    if (chosen.length < boxes.length) body.assistant_ids = chosen;
    await whileBusy(submit, async () => {
      try {
        const reply = await api("POST", "/analytics/gaps/" + encodeURIComponent(id) + "/answer", { json: body });
        const qa = (reply.data && reply.data.qa) || {};
        say(message, t("gaps.saved"), "ok");
        for (const control of form.querySelectorAll("input, textarea, button")) control.disabled = true;
        watchQA(qa, qaState);
      } catch (failure) {
        say(message, describeFailure(failure, {
          403: t("gaps.answerForbidden"),
          404: t("gaps.gone"),
          409: t("gaps.alreadyAnswered"),
        }), "error");
      }
    });
  });
  return form;
}

/** Follows a new Q&A pair until it is ready (or failed), slowing down as it waits. */
function watchQA(qa, target) {
  if (!qa || !qa.id) return;
  const show = (source) => {
    const status = source.status || "pending";
    target.hidden = false;
    target.setAttribute("data-status", status);
    target.replaceChildren(
      el("span", { class: "badge badge-" + status }, statusLabel(status)),
      " ",
      status === "ready" ? t("gaps.qaReady") : status === "failed" ? t("gaps.qaFailed", { reason: (source.error && source.error.message) || DASH }) : t("gaps.qaPending"),
    );
    return status === "ready" || status === "failed";
  };
  if (show(qa)) return;
  const entry = { timer: null, delay: POLL_FIRST };
  state.watching.set(qa.id, entry);
  const poll = async () => {
    if (!state.watching.has(qa.id)) return;
    try {
      const source = await getJSON("/api/v1/knowledge/qas/" + encodeURIComponent(qa.id));
      if (show(source || {})) {
        state.watching.delete(qa.id);
        return;
      }
    } catch (failure) {
      if (failure.status === 401 || failure.status === 404) {
        target.textContent = describeFailure(failure);
        state.watching.delete(qa.id);
        return;
      }
    }
    entry.delay = Math.min(POLL_MAX, Math.round(entry.delay * 1.5));
    entry.timer = setTimeout(poll, entry.delay);
  };
  entry.timer = setTimeout(poll, entry.delay);
}

function stopWatching() {
  for (const entry of state.watching.values()) clearTimeout(entry.timer);
  state.watching.clear();
}

function renderGap(gap) {
  const headingID = "gap-" + gap.id + "-question";
  const answerArea = el("div", { class: "gap-answer" });
  if (gap.status === "answered") {
    renderAnswerState(gap, answerArea);
  } else {
    answerArea.appendChild(el("details", { class: "answer-details" }, [
      el("summary", { "data-answer-toggle": gap.id }, t("gaps.answerThis")),
      answerForm(gap),
    ]));
  }
  return el("li", { class: "gap card-item", "data-gap": gap.id, "data-status": gap.status, "aria-labelledby": headingID }, [
    el("h4", { id: headingID, class: "gap-question" }, el("q", null, gap.question || DASH)),
    el("div", { class: "gap-summary" }, [
      el("p", { class: "gap-count" }, [
        figure("strong", { "data-field": "count" }, gap.count, t("count.questions", { count: gap.count || 0 })),
        MIDDLE_DOT,
        t("gaps.between", { first: format.dateTime(gap.first_asked_at), last: format.dateTime(gap.last_asked_at) }),
      ]),
      trendChart(gap.trend),
    ]),
    el("dl", { class: "gap-facts" }, [
      el("div", null, [el("dt", null, t("gaps.languages")),
        el("dd", null, countList(gap.languages, (entry) => format.languageName(entry.language), "language"))]),
      el("div", null, [el("dt", null, t("gaps.reasons")),
        el("dd", null, countList(gap.reasons, (entry) => reasonLabel(entry.reason), "reason"))]),
      el("div", null, [el("dt", null, t("gaps.assistants")),
        el("dd", null, countList(gap.assistants, (entry) => entry.name || shortID(entry.assistant_id), "assistant_id"))]),
    ]),
    el("details", { class: "examples-details" }, [
      el("summary", null, t("gaps.examples", { count: Array.isArray(gap.examples) ? gap.examples.length : 0 })),
      renderExamples(gap),
    ]),
    answerArea,
  ]);
}

function setup() {
  const byID = (id) => document.getElementById(id);
  Object.assign(ui, {
    range: byID("gaps-range"),
    status: byID("gaps-status"),
    reason: byID("gaps-reason"),
    language: byID("gaps-language"),
    assistant: byID("gaps-assistant"),
    refresh: byID("gaps-refresh"),
    list: byID("gaps-list"),
    listStatus: byID("gaps-message"),
  });
  ui.range.value = state.range;
  ui.status.value = state.status;
  ui.reason.value = state.reason;
  ui.language.value = state.language;
  const onChange = () => {
    state.range = RANGES[ui.range.value] ? ui.range.value : "7d";
    state.status = ui.status.value;
    state.reason = ui.reason.value;
    state.language = ui.language.value;
    state.assistantID = ui.assistant.value;
    state.offset = 0;
    load();
  };
  for (const control of [ui.range, ui.status, ui.reason, ui.language, ui.assistant]) control.addEventListener("change", onChange);
  ui.refresh.addEventListener("click", () => load());
}

export const gapsPage = {
  name: "gaps",
  setup: setup,
  enter: () => {
    state.active = true;
    load();
    loadAssistants();
  },
  leave: () => {
    state.active = false;
    stopWatching();
    cancelLoad(state);
  },
  signOut: () => {
    state.offset = 0;
    state.assistantID = "";
    ui.list.replaceChildren();
    say(ui.listStatus, "", "");
  },
};
