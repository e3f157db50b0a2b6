// Building the page under a strict CSP: every element is created here, and text from the API only
// ever reaches the page through text nodes and attributes, never as markup.

import { t, format, parseDate, DASH } from "./i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";

/** An element with attributes and children; strings become text nodes, never markup. */
export function el(name, attributes, children) {
  const element = document.createElement(name);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

export function svg(name, attributes, children) {
  const element = document.createElementNS(SVG_NS, name);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") element.textContent = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
}

function appendChildren(element, children) {
  if (children === null || children === undefined) return;
  for (const child of Array.isArray(children) ? children : [children]) {
    if (child === null || child === undefined || child === false) continue;
    element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replaces a container's content; null and false children (an absent pager) are left out. */
export function fill(container, ...children) {
  container.replaceChildren(...children.filter((child) => child !== null && child !== undefined && child !== false));
}

/** A number with its raw value in data-value, for the reader and for tests. */
export function figure(name, attributes, raw, text) {
  const attrs = Object.assign({}, attributes);
  if (typeof raw === "number" && Number.isFinite(raw)) attrs["data-value"] = String(raw);
  return el(name, attrs, text);
}

/** A loading, empty or error sentence where content will be or would have been. */
export function stateMessage(text, kind) {
  return el("p", { class: "state" + (kind ? " " + kind : "") }, text);
}

/** Totals as a description list: [{label, hook, raw, text}]. */
export function totalsList(entries) {
  return el("dl", { class: "totals" }, entries.map((entry) =>
    el("div", { class: "total" }, [
      el("dt", null, entry.label),
      figure("dd", { "data-total": entry.hook }, entry.raw, entry.text),
    ])));
}

/**
 * A captioned table in its own scroll container, so a wide table never widens the page. The region
 * is focusable so that a keyboard can scroll it when it is wider than the screen.
 */
export function table(caption, headings, rows, options) {
  const settings = options || {};
  const textColumns = settings.textColumns || [0];
  const head = el("thead", null, el("tr", null, headings.map((heading, index) =>
    el("th", { scope: "col", class: textColumns.includes(index) ? null : "num" }, heading))));
  const parts = [el("caption", { class: settings.hideCaption ? "visually-hidden" : null }, caption), head, el("tbody", null, rows)];
  if (settings.foot) parts.push(el("tfoot", null, settings.foot));
  return el("div", { class: "table-wrap" + (settings.className ? " " + settings.className : ""), role: "region", "aria-label": caption, tabindex: "0" },
    el("table", null, parts));
}

export function numberCell(field, raw, text) {
  return figure("td", { class: "num", "data-field": field }, raw, text);
}

export function timeElement(value, text) {
  const parsed = parseDate(value);
  return el("time", { datetime: parsed ? parsed.toISOString() : null }, text === undefined ? format.dateTime(value) : text);
}

/** A thin horizontal bar, drawn in SVG so no style attribute is needed. */
export function proportionBar(share, className) {
  const width = Math.max(0, Math.min(1, share)) * 100;
  return svg("svg", { class: "row-bar", viewBox: "0 0 100 6", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" }, [
    svg("rect", { class: "row-bar-track", x: 0, y: 0, width: 100, height: 6 }),
    svg("rect", { class: "row-bar-fill " + (className || ""), x: 0, y: 0, width: width > 0 ? Math.max(width, 0.75) : 0, height: 6 }),
  ]);
}

/**
 * A small bar chart of counts per day, drawn by hand like the overview's charts: one bar per value,
 * the tallest filling the height. The label says in words what the bars show.
 */
export function sparkline(values, label) {
  const width = 160;
  const height = 36;
  const most = Math.max(1, ...values);
  const band = width / Math.max(1, values.length);
  const barWidth = Math.max(1, band * (band > 4 ? 0.7 : 0.9));
  return svg("svg", {
    class: "sparkline", viewBox: "0 0 " + width + " " + height, width: width, height: height,
    role: "img", "aria-label": label, focusable: "false",
  }, [svg("line", { class: "axis", x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5 })].concat(values.map((value, index) => {
    const barHeight = value > 0 ? Math.max(2, (value / most) * (height - 2)) : 0;
    return svg("rect", {
      class: "spark-bar", x: (index * band + (band - barWidth) / 2).toFixed(2), y: (height - 1 - barHeight).toFixed(2),
      width: barWidth.toFixed(2), height: barHeight.toFixed(2), "data-value": value,
    });
  })));
}

/** JSON for people: indented, or a dash when there is nothing. */
export function prettyJSON(value) {
  if (value === undefined || value === null) return DASH;
  return JSON.stringify(value, null, 2);
}

/** A random UUID, for Idempotency-Key headers; crypto.randomUUID needs a secure context, this does not. */
export function randomID() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
}

export function shortID(id) {
  return typeof id === "string" ? id.slice(0, 8) : DASH;
}

/**
 * Re-renders a container while keeping the keyboard focus: an element carrying data-focus-key gets
 * the focus back in the new content (polling must not throw the operator out of a table).
 */
export function keepFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) && active.dataset ? active.dataset.focusKey : null;
  render();
  if (!key) return;
  const again = container.querySelector('[data-focus-key="' + CSS.escape(key) + '"]');
  if (again) again.focus();
}

/**
 * Runs `action` with `button` disabled and marked busy, so a double click cannot send twice.
 * Returns what the action returns.
 */
export async function whileBusy(button, action) {
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await action();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

/** A message line under a form: `kind` is "ok", "error" or "" (progress). Errors are alerts. */
export function say(target, text, kind) {
  target.textContent = text || "";
  target.hidden = !text;
  target.classList.toggle("error", kind === "error");
  target.classList.toggle("ok", kind === "ok");
  if (kind === "error") target.setAttribute("role", "alert");
  else target.setAttribute("role", "status");
}

/**
 * Asks the operator to confirm in the page's one modal dialog; resolves true when they do. The
 * focus starts on "Cancel" and returns where it was.
 */
export function confirmAction(options) {
  const dialog = document.getElementById("confirm-dialog");
  const title = document.getElementById("confirm-title");
  const message = document.getElementById("confirm-message");
  const ok = document.getElementById("confirm-ok");
  const cancel = document.getElementById("confirm-cancel");
  const returnTo = document.activeElement;
  // A list polled meanwhile may have drawn that button anew: its twin takes the focus.
  const returnKey = returnTo && returnTo.dataset ? returnTo.dataset.focusKey : null;
  title.textContent = options.title;
  message.textContent = options.message;
  ok.textContent = options.confirm || t("confirm.ok");
  ok.classList.toggle("danger", Boolean(options.danger));
  cancel.textContent = t("confirm.cancel");
  return new Promise((resolve) => {
    let answered = false;
    const finish = (value) => {
      if (answered) return;
      answered = true;
      ok.removeEventListener("click", onOK);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      const target = returnTo && returnTo.isConnected ? returnTo
        : returnKey ? document.querySelector('[data-focus-key="' + CSS.escape(returnKey) + '"]') : null;
      if (target && typeof target.focus === "function") target.focus();
      resolve(value);
    };
    const onOK = () => finish(true);
    const onCancel = () => finish(false);
    const onClose = () => finish(false); // Escape
    ok.addEventListener("click", onOK);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    cancel.focus();
  });
}

/** A labelled form control: [label, control] in a .field wrapper. */
export function field(id, labelText, control, hint) {
  const parts = [el("label", { for: id }, labelText), control];
  if (hint) {
    const hintID = id + "-hint";
    control.setAttribute("aria-describedby", hintID);
    parts.push(el("p", { id: hintID, class: "hint" }, hint));
  }
  return el("div", { class: "field" }, parts);
}

/** Previous/next buttons for a limit/offset list; `go(offset)` loads a page. */
export function pager(name, offset, limit, count, go) {
  if (!(count > limit) && offset === 0) return null;
  const first = count === 0 ? 0 : offset + 1;
  const last = Math.min(count, offset + limit);
  const previous = el("button", { type: "button", class: "small-button", "data-focus-key": name + "-previous" }, t("pager.previous"));
  const next = el("button", { type: "button", class: "small-button", "data-focus-key": name + "-next" }, t("pager.next"));
  previous.disabled = offset === 0;
  next.disabled = offset + limit >= count;
  previous.addEventListener("click", () => go(Math.max(0, offset - limit)));
  next.addEventListener("click", () => go(offset + limit));
  return el("div", { class: "pager" }, [
    el("p", { class: "muted" }, t("pager.range", { first: format.integer(first), last: format.integer(last), total: format.integer(count) })),
    el("div", { class: "buttons" }, [previous, next]),
  ]);
}
