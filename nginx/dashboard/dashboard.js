// Companin operator dashboard: reads the analytics endpoints with the operator's API key and
// draws one panel per figure. Served by nginx next to the API (same origin) under a strict CSP:
// no inline code or styles, so every element is created here and data only ever reaches the
// page through textContent or attributes.
(function () {
  "use strict";

  // The key lives in sessionStorage only: it dies with the tab and never reaches the URL.
  const STORAGE_KEY = "companin.apiKey";
  const HOUR = 3600 * 1000;
  const DAY = 24 * HOUR;
  const RANGES = {
    "24h": { label: "Last 24 hours", duration: DAY, granularity: "hour" },
    "7d": { label: "Last 7 days", duration: 7 * DAY, granularity: "day" },
    "30d": { label: "Last 30 days", duration: 30 * DAY, granularity: "day" },
  };
  const DEFAULT_RANGE = "24h";
  const HANDOFF_LIMIT = 20;
  const SVG_NS = "http://www.w3.org/2000/svg";
  // Non-ASCII text is written as escapes, so the script reads the same whatever charset it is served with.
  const DASH = "\u2014"; // an em dash: no value
  const ELLIPSIS = "\u2026";
  const MIDDLE_DOT = " \u00b7 ";
  const EMPTY = "empty";

  const USAGE_SERIES = [
    { key: "ok", label: "OK" },
    { key: "4xx", label: "4xx (client errors)" },
    { key: "throttled", label: "Throttled (429)" },
    { key: "5xx", label: "5xx (server errors)" },
  ];
  const KNOWLEDGE_KINDS = ["file", "qa", "url"];
  const KNOWLEDGE_STATUSES = ["pending", "processing", "ready", "failed"];
  const KIND_LABELS = { file: "File", qa: "Q&A", url: "Web page" };
  const STATUS_LABELS = { pending: "Pending", processing: "Processing", ready: "Ready", failed: "Failed" };
  const CONVERSATION_STATUS_LABELS = { open: "Open", closed: "Closed", handed_off: "Handed off" };

  // ---------------------------------------------------------------------------------------------
  // Locale and formatting (pure functions of their arguments)

  /** The browser's language if Intl accepts it; otherwise undefined, Intl's own default. */
  function pickLocale(tag) {
    if (!tag) return undefined;
    try {
      return Intl.NumberFormat.supportedLocalesOf([tag]).length > 0 ? tag : undefined;
    } catch (error) {
      return undefined; // a malformed tag throws RangeError
    }
  }

  function makeFormat(locale) {
    const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 0, useGrouping: false });
    const decimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
    const milliseconds = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
    const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short" });
    const time = new Intl.DateTimeFormat(locale, { timeStyle: "short" });
    const clock = new Intl.DateTimeFormat(locale, { timeStyle: "medium" });
    // Day buckets are UTC days on the server: label them in UTC, or a browser west of Greenwich
    // would call the bucket of 24 November "23 November".
    const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
    const date = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeZone: "UTC" });
    const present = (value) => typeof value === "number" && Number.isFinite(value);
    const formatDate = (formatter) => (value) => {
      const parsed = parseDate(value);
      return parsed ? formatter.format(parsed) : DASH;
    };
    return {
      integer: (value) => (present(value) ? integer.format(value) : DASH),
      /** A whole number without thousands separators, for "try again in 3600 seconds". */
      count: (value) => (present(value) ? count.format(value) : DASH),
      decimal: (value) => (present(value) ? decimal.format(value) : DASH),
      milliseconds: (value) => (present(value) ? milliseconds.format(value) : DASH),
      /** A share from 0 to 1 (error_rate). */
      fraction: (value) => (present(value) ? percent.format(value) : DASH),
      /** A percentage from 0 to 100 (csat_percent). */
      percent: (value) => (present(value) ? percent.format(value / 100) : DASH),
      dateTime: formatDate(dateTime),
      clock: formatDate(clock),
      /** A bucket start, short, for chart axes. */
      bucketShort: (value, granularity) => formatDate(granularity === "day" ? day : time)(value),
      /** A bucket start in full, for tables and summaries. */
      bucketLong: (value, granularity) => formatDate(granularity === "day" ? date : dateTime)(value),
    };
  }

  /** A Date from an ISO 8601 string (any number of fractional digits), or null. */
  function parseDate(value) {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
    if (typeof value !== "string" || value === "") return null;
    // Some engines refuse more than three fractional digits; the server may send six.
    const text = value.replace(/(\.\d{3})\d+/, "$1");
    const parsed = new Date(text);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  }

  /** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or null. */
  function retryAfterSeconds(header, now) {
    if (header === null || header === undefined) return null;
    const text = String(header).trim();
    if (/^\d+$/.test(text)) return Number(text);
    const when = Date.parse(text);
    if (Number.isNaN(when)) return null;
    return Math.max(0, Math.ceil((when - now) / 1000));
  }

  function retryPhrase(seconds, format) {
    if (seconds === null || seconds === undefined) return "try again later.";
    return "try again in " + format.count(seconds) + (seconds === 1 ? " second." : " seconds.");
  }

  /** The sentence a panel shows for a failed request. */
  function describeFailure(failure, format) {
    if (failure.network) return "Could not reach the server.";
    switch (failure.status) {
      case 401:
        return "This key is not valid.";
      case 403:
        return "This key may not read these figures.";
      case 429:
        return "Too many requests: " + retryPhrase(failure.retryAfter, format);
      case 503:
        return "The service is unavailable; " + retryPhrase(failure.retryAfter, format);
      default: {
        const sentence = "Something went wrong (HTTP " + failure.status + ").";
        const detail = typeof failure.detail === "string" ? failure.detail.trim() : "";
        return detail ? sentence + " " + detail : sentence;
      }
    }
  }

  /** Minutes until the limiter window resets, rounded up so "0 min" only means now. */
  function resetMinutes(seconds) {
    return Math.max(0, Math.ceil((Number(seconds) || 0) / 60));
  }

  /** A round axis maximum at or above the largest value: 1, 2, 4, 5 or 10 times a power of ten. */
  function niceCeiling(value) {
    if (!(value > 0)) return 1;
    const magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 4, 5, 10]) {
      if (step * magnitude >= value) return step * magnitude;
    }
    return 10 * magnitude;
  }

  /** The four stacked parts of a usage bucket; throttled requests are also counted in errors_4xx. */
  function usageSegments(bucket) {
    const requests = bucket.requests || 0;
    const errors4xx = bucket.errors_4xx || 0;
    const errors5xx = bucket.errors_5xx || 0;
    const throttled = bucket.throttled || 0;
    return {
      ok: Math.max(0, requests - errors4xx - errors5xx),
      "4xx": Math.max(0, errors4xx - throttled),
      throttled: throttled,
      "5xx": errors5xx,
    };
  }

  /** Every bucket start from the window's first period to its end, with the bucket the server sent for it. */
  function alignBuckets(from, to, granularity, buckets) {
    const step = granularity === "day" ? DAY : HOUR;
    const start = parseDate(from);
    const end = parseDate(to);
    const known = new Map();
    for (const bucket of buckets) {
      const at = parseDate(bucket.start);
      if (at) known.set(Math.floor(at.getTime() / step), bucket);
    }
    if (!start || !end || end <= start) {
      return buckets.map((bucket) => ({ start: bucket.start, bucket: bucket }));
    }
    const first = Math.floor(start.getTime() / step);
    const count = Math.min(800, Math.ceil((end.getTime() - first * step) / step));
    const aligned = [];
    for (let index = 0; index < count; index += 1) {
      const slot = first + index;
      aligned.push({ start: new Date(slot * step).toISOString(), bucket: known.get(slot) || null });
    }
    return aligned;
  }

  /** "1 rating", "2 ratings": the count formatted, the noun agreeing with it. */
  function counted(value, singular, plural, format) {
    return format.integer(value) + " " + (value === 1 ? singular : plural);
  }

  function shortID(id) {
    return typeof id === "string" ? id.slice(0, 8) : DASH;
  }

  function assistantLabel(name, version) {
    const base = name || "Unnamed assistant";
    return version === null || version === undefined ? base : base + " v" + version;
  }

  function keyLabel(key) {
    return (key.name || "Unnamed key") + (key.revoked ? " (revoked)" : "");
  }

  // ---------------------------------------------------------------------------------------------
  // Page state

  const locale = pickLocale(typeof navigator !== "undefined" ? navigator.language : undefined);
  const format = makeFormat(locale);

  const state = {
    range: DEFAULT_RANGE,
    apiKeyID: "",
    // Each load gets a number; answers of an older load are dropped, so a slow response can never
    // paint over the figures of the filters chosen after it.
    generation: 0,
    controller: null,
  };

  const ui = {};
  const panels = [];

  // ---------------------------------------------------------------------------------------------
  // Key storage

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // blocked by the browser's privacy settings
    }
  }

  function readKey() {
    const store = storage();
    if (!store) return "";
    try {
      return store.getItem(STORAGE_KEY) || "";
    } catch (error) {
      return "";
    }
  }

  function writeKey(key) {
    const store = storage();
    if (!store) return false;
    try {
      store.setItem(STORAGE_KEY, key);
      return true;
    } catch (error) {
      return false;
    }
  }

  function forgetKey() {
    const store = storage();
    if (!store) return;
    try {
      store.removeItem(STORAGE_KEY);
    } catch (error) {
      // Nothing was stored.
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  class RequestFailure extends Error {
    constructor(fields) {
      super(fields.network ? "network failure" : fields.aborted ? "aborted" : "HTTP " + fields.status);
      this.status = fields.status || 0;
      this.network = Boolean(fields.network);
      this.aborted = Boolean(fields.aborted);
      this.retryAfter = fields.retryAfter === undefined ? null : fields.retryAfter;
      this.detail = fields.detail === undefined ? null : fields.detail;
    }
  }

  function queryString(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
    }
    const text = search.toString();
    return text ? "?" + text : "";
  }

  async function getJSON(path, params, key, signal) {
    let response;
    try {
      response = await fetch(path + queryString(params), {
        headers: { "X-API-Key": key, Accept: "application/json" },
        credentials: "omit",
        cache: "no-store",
        signal: signal,
      });
    } catch (error) {
      if (signal && signal.aborted) throw new RequestFailure({ aborted: true });
      throw new RequestFailure({ network: true });
    }
    if (!response.ok) {
      let detail = null;
      try {
        const body = await response.json();
        if (body && typeof body.detail === "string") detail = body.detail;
      } catch (error) {
        // Not JSON (or no body): the status says enough.
      }
      throw new RequestFailure({
        status: response.status,
        retryAfter: retryAfterSeconds(response.headers.get("Retry-After"), Date.now()),
        detail: detail,
      });
    }
    try {
      return await response.json();
    } catch (error) {
      if (signal && signal.aborted) throw new RequestFailure({ aborted: true });
      throw new RequestFailure({ status: response.status });
    }
  }

  /** `from`, and `api_key_id` when a key is chosen, plus the endpoint's own parameters. */
  function analyticsParams(context, extra) {
    return Object.assign({ from: context.from, api_key_id: context.apiKeyID }, extra || {});
  }

  // ---------------------------------------------------------------------------------------------
  // DOM helpers

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(name, attributes, children) {
    const element = document.createElement(name);
    setAttributes(element, attributes);
    appendChildren(element, children);
    return element;
  }

  function svg(name, attributes, children) {
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

  /** A number with its raw value in data-value, for the reader and for tests. */
  function figure(name, attributes, raw, text) {
    const attrs = Object.assign({}, attributes);
    if (typeof raw === "number" && Number.isFinite(raw)) attrs["data-value"] = String(raw);
    return el(name, attrs, text);
  }

  function stateMessage(text, kind) {
    return el("p", { class: "state" + (kind ? " " + kind : "") }, text);
  }

  /** Totals as a description list: [{label, hook, raw, text}]. */
  function totalsList(entries) {
    return el("dl", { class: "totals" }, entries.map((entry) =>
      el("div", { class: "total" }, [
        el("dt", null, entry.label),
        figure("dd", { "data-total": entry.hook }, entry.raw, entry.text),
      ])));
  }

  /** A captioned table in its own scroll container, so a wide table never widens the page. */
  // The region is focusable so that a keyboard can scroll it when it is wider than the screen.
  function table(caption, headings, rows, options) {
    const settings = options || {};
    const textColumns = settings.textColumns || [0];
    const head = el("thead", null, el("tr", null, headings.map((heading, index) =>
      el("th", { scope: "col", class: textColumns.includes(index) ? null : "num" }, heading))));
    const parts = [el("caption", { class: settings.hideCaption ? "visually-hidden" : null }, caption), head, el("tbody", null, rows)];
    if (settings.foot) parts.push(el("tfoot", null, settings.foot));
    return el("div", { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" }, el("table", null, parts));
  }

  function numberCell(field, raw, text) {
    return figure("td", { class: "num", "data-field": field }, raw, text);
  }

  function timeElement(value, text) {
    const parsed = parseDate(value);
    return el("time", { datetime: parsed ? parsed.toISOString() : null }, text);
  }

  /** A thin horizontal bar, drawn in SVG so no style attribute is needed. */
  function proportionBar(share, className) {
    const width = Math.max(0, Math.min(1, share)) * 100;
    return svg("svg", { class: "row-bar", viewBox: "0 0 100 6", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" }, [
      svg("rect", { class: "row-bar-track", x: 0, y: 0, width: 100, height: 6 }),
      svg("rect", { class: "row-bar-fill " + (className || ""), x: 0, y: 0, width: width > 0 ? Math.max(width, 0.75) : 0, height: 6 }),
    ]);
  }

  function legend(series, totals) {
    return el("ul", { class: "legend" }, series.map((entry) =>
      el("li", { "data-series": entry.key }, [
        el("span", { class: "swatch seg-" + entry.key, "aria-hidden": "true" }),
        el("span", { class: "legend-label" }, entry.label),
        totals ? figure("span", { class: "legend-value", "data-series-total": entry.key }, totals[entry.key], format.integer(totals[entry.key])) : null,
      ])));
  }

  // ---------------------------------------------------------------------------------------------
  // Charts: SVG drawn at the holder's real width (so text stays legible on a phone), redrawn when
  // the window is resized.

  const charts = new Map();

  function mountChart(holder, draw) {
    pruneCharts();
    charts.set(holder, { draw: draw, width: 0 });
    redrawChart(holder, true);
  }

  function redrawChart(holder, force) {
    const chart = charts.get(holder);
    if (!chart) return;
    const width = Math.round(holder.clientWidth) || 560;
    if (!force && width === chart.width) return;
    chart.width = width;
    holder.replaceChildren(chart.draw(Math.max(240, width)));
  }

  /** Forgets the charts of panels that were redrawn since. */
  function pruneCharts() {
    for (const holder of Array.from(charts.keys())) {
      if (!holder.isConnected) charts.delete(holder);
    }
  }

  function redrawCharts() {
    pruneCharts();
    for (const holder of charts.keys()) redrawChart(holder, false);
  }

  /**
   * A bar chart, stacked when bars have several segments.
   * spec: {name, label (aria-label), bars: [{key, axis, title, segments: [{series, value}]}], yMax?, yFormat}
   */
  function barChart(spec, width) {
    const height = 190;
    const margin = { top: 12, right: 10, bottom: 26, left: 52 };
    const plotWidth = width - margin.left - margin.right;
    const plotHeight = height - margin.top - margin.bottom;
    const baseline = margin.top + plotHeight;
    const tallest = Math.max(0, ...spec.bars.map((bar) => bar.segments.reduce((sum, part) => sum + part.value, 0)));
    const yMax = spec.yMax || niceCeiling(tallest);
    const root = svg("svg", {
      class: "chart-svg", viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": spec.label, "data-chart": spec.name, focusable: "false",
    });

    for (const share of [0, 0.5, 1]) {
      const value = yMax * share;
      if (share === 0.5 && !spec.yMax && !Number.isInteger(value)) continue; // no "2.5 requests"
      const y = baseline - share * plotHeight;
      root.appendChild(svg("line", { class: share === 0 ? "axis" : "grid", x1: margin.left, x2: width - margin.right, y1: y, y2: y }));
      root.appendChild(svg("text", { class: "tick", x: margin.left - 6, y: y + 4, "text-anchor": "end", text: spec.yFormat(value) }));
    }

    const band = plotWidth / Math.max(1, spec.bars.length);
    const barWidth = Math.max(1, band * (band > 6 ? 0.75 : 0.9));
    spec.bars.forEach((bar, index) => {
      const x = margin.left + index * band + (band - barWidth) / 2;
      const group = svg("g", { "data-bucket": bar.key }, svg("title", { text: bar.title }));
      let top = baseline;
      for (const part of bar.segments) {
        // A measured zero (0 % CSAT) gets a sliver, so that it does not read as "no data".
        if (!(part.value > 0) && !(part.markZero && part.value === 0)) continue;
        const barHeight = Math.max(part.value > 0 ? 0.5 : 2, (part.value / yMax) * plotHeight);
        top -= barHeight;
        group.appendChild(svg("rect", {
          class: "seg seg-" + part.series, x: x.toFixed(2), y: top.toFixed(2), width: barWidth.toFixed(2),
          height: barHeight.toFixed(2), "data-series": part.series, "data-value": part.value,
        }));
      }
      root.appendChild(group);
    });

    // Axis labels far enough apart not to collide: about one per 80 px.
    const every = Math.max(1, Math.ceil(spec.bars.length / Math.max(2, Math.floor(plotWidth / 80))));
    for (let index = 0; index < spec.bars.length; index += every) {
      const center = margin.left + index * band + band / 2;
      const x = Math.min(Math.max(center, margin.left + 24), width - margin.right - 24);
      root.appendChild(svg("text", { class: "tick", x: x.toFixed(2), y: height - 8, "text-anchor": "middle", text: spec.bars[index].axis }));
    }
    return root;
  }

  function chartHolder(spec) {
    const holder = el("div", { class: "chart" });
    return { holder: holder, mount: () => mountChart(holder, (width) => barChart(spec, width)) };
  }

  /** The figures behind a chart as a table, folded away under the chart. */
  function chartFigures(summary, caption, headings, rows) {
    return el("details", { class: "figures" }, [
      el("summary", null, summary),
      table(caption, headings, rows, { hideCaption: true }),
    ]);
  }

  // ---------------------------------------------------------------------------------------------
  // Panels

  function rangeWords(context) {
    return context.rangeInfo.label.toLowerCase();
  }

  function periodWord(granularity) {
    return granularity === "day" ? "day" : "hour";
  }

  /** The bucket with the largest value, for chart summaries; null when all are zero. */
  function peak(items, value) {
    let best = null;
    for (const item of items) {
      if (value(item) > 0 && (!best || value(item) > value(best))) best = item;
    }
    return best;
  }

  // 1. Requests over time

  function loadUsage(context) {
    return context.request("/analytics/usage/", analyticsParams(context, { granularity: context.granularity }));
  }

  function renderUsage(body, data, context) {
    const totals = data.totals || {};
    const buckets = Array.isArray(data.buckets) ? data.buckets : [];
    const granularity = data.granularity || context.granularity;
    body.appendChild(totalsList([
      { label: "Requests", hook: "requests", raw: totals.requests, text: format.integer(totals.requests) },
      { label: "4xx errors (incl. throttled)", hook: "errors_4xx", raw: totals.errors_4xx, text: format.integer(totals.errors_4xx) },
      { label: "5xx errors", hook: "errors_5xx", raw: totals.errors_5xx, text: format.integer(totals.errors_5xx) },
      { label: "Throttled", hook: "throttled", raw: totals.throttled, text: format.integer(totals.throttled) },
      { label: "p50 latency (ms)", hook: "p50_ms", raw: totals.p50_ms, text: format.milliseconds(totals.p50_ms) },
      { label: "p95 latency (ms)", hook: "p95_ms", raw: totals.p95_ms, text: format.milliseconds(totals.p95_ms) },
    ]));
    if (!(totals.requests > 0)) {
      body.appendChild(stateMessage("No requests in this period.", "empty"));
      return EMPTY;
    }

    const parts = usageSegments(totals);
    const busiest = peak(buckets, (bucket) => bucket.requests || 0);
    const label = "Stacked bar chart of requests per " + periodWord(granularity) + ", " + rangeWords(context) + ": " +
      counted(totals.requests, "request", "requests", format) + ", " + format.integer(parts.ok) + " OK, " + format.integer(parts["4xx"]) +
      " client errors, " + format.integer(parts.throttled) + " throttled, " + format.integer(parts["5xx"]) + " server errors" +
      (busiest ? "; busiest " + periodWord(granularity) + " " + format.bucketLong(busiest.start, granularity) + " with " +
        counted(busiest.requests, "request", "requests", format) + "." : ".");
    const chart = chartHolder({
      name: "requests",
      label: label,
      yFormat: format.integer,
      bars: buckets.map((bucket) => {
        const segments = usageSegments(bucket);
        return {
          key: bucket.start,
          axis: format.bucketShort(bucket.start, granularity),
          title: format.bucketLong(bucket.start, granularity) + ": " + counted(bucket.requests, "request", "requests", format) + " (" +
            USAGE_SERIES.map((entry) => entry.label + " " + format.integer(segments[entry.key])).join(", ") + ")",
          segments: USAGE_SERIES.map((entry) => ({ series: entry.key, value: segments[entry.key] })),
        };
      }),
    });
    body.appendChild(chart.holder);
    chart.mount();
    body.appendChild(legend(USAGE_SERIES, parts));
    body.appendChild(chartFigures("Figures per " + periodWord(granularity), "Requests per " + periodWord(granularity),
      ["Period", "Requests", "4xx", "Throttled", "5xx", "p50 ms", "p95 ms"],
      buckets.map((bucket) => el("tr", { "data-bucket": bucket.start }, [
        el("th", { scope: "row" }, timeElement(bucket.start, format.bucketLong(bucket.start, granularity))),
        numberCell("requests", bucket.requests, format.integer(bucket.requests)),
        numberCell("errors_4xx", bucket.errors_4xx, format.integer(bucket.errors_4xx)),
        numberCell("throttled", bucket.throttled, format.integer(bucket.throttled)),
        numberCell("errors_5xx", bucket.errors_5xx, format.integer(bucket.errors_5xx)),
        numberCell("p50_ms", bucket.p50_ms, format.milliseconds(bucket.p50_ms)),
        numberCell("p95_ms", bucket.p95_ms, format.milliseconds(bucket.p95_ms)),
      ]))));
  }

  // 2. Endpoint mix

  function loadEndpoints(context) {
    return context.request("/analytics/endpoints/", analyticsParams(context));
  }

  function renderEndpoints(body, data, context) {
    const items = Array.isArray(data.items) ? data.items : [];
    if (items.length === 0) {
      body.appendChild(stateMessage("No requests in this period.", "empty"));
      return EMPTY;
    }
    const most = Math.max(1, ...items.map((item) => item.requests || 0));
    const rows = items.map((item) => {
      const name = item.method + " " + item.route;
      return el("tr", { "data-endpoint": name }, [
        el("th", { scope: "row", class: "endpoint" }, [
          el("span", { class: "method" }, item.method || DASH), " ", item.route ? el("code", { class: "route" }, item.route)
            // Requests refused before routing (throttled, bad key) or for no route carry no template.
            : el("span", { class: "route muted" }, "(not routed)"),
        ]),
        figure("td", { class: "num requests", "data-field": "requests" }, item.requests, [
          el("span", null, format.integer(item.requests)),
          proportionBar((item.requests || 0) / most, "bar-requests"),
        ]),
        numberCell("error_rate", item.error_rate, format.fraction(item.error_rate)),
        numberCell("p50_ms", item.p50_ms, format.milliseconds(item.p50_ms)),
        numberCell("p95_ms", item.p95_ms, format.milliseconds(item.p95_ms)),
      ]);
    });
    body.appendChild(table("Endpoints by requests, " + rangeWords(context), ["Endpoint", "Requests", "Error rate", "p50 ms", "p95 ms"], rows));
  }

  // 3. Rate limiting

  async function loadLimits(context) {
    const data = await context.request("/analytics/rate-limits/", analyticsParams(context, { granularity: context.granularity }));
    // Key names only label the table: without them the panel still shows short ids.
    const names = await context.keyNames.catch(() => new Map());
    return { data: data, names: names };
  }

  function renderLive(live) {
    if (!live) return el("p", { class: "live muted" }, "The live limit is not available.");
    const share = live.limit > 0 ? live.remaining / live.limit : 0;
    return el("div", { class: "live-block" }, [
      el("p", { class: "live" }, [
        figure("span", { class: "live-value", "data-live": "remaining" }, live.remaining, format.integer(live.remaining)),
        " of ",
        figure("span", { class: "live-value", "data-live": "limit" }, live.limit, format.integer(live.limit)),
        " requests left this hour, resets in ",
        figure("span", { "data-live": "reset" }, resetMinutes(live.reset_seconds), format.integer(resetMinutes(live.reset_seconds))),
        " min",
      ]),
      proportionBar(share, share < 0.1 ? "bar-low" : "bar-left"),
      el("p", { class: "muted small" }, "The live limit counts the whole organization, whatever the key filter."),
    ]);
  }

  function renderLimits(body, loaded, context) {
    const data = loaded.data;
    const names = loaded.names;
    const buckets = Array.isArray(data.buckets) ? data.buckets : [];
    const keys = Array.isArray(data.keys) ? data.keys : [];
    const granularity = data.granularity || context.granularity;
    const throttled = typeof data.throttled === "number" ? data.throttled : 0;
    body.appendChild(renderLive(data.live));
    body.appendChild(totalsList([
      { label: "Throttled requests", hook: "throttled-events", raw: throttled, text: format.integer(throttled) },
    ]));
    if (throttled === 0) {
      body.appendChild(stateMessage("Nothing was throttled in this period.", "empty"));
      return EMPTY;
    }

    const worst = peak(buckets, (bucket) => bucket.throttled || 0);
    const chart = chartHolder({
      name: "throttled",
      label: "Bar chart of throttled requests per " + periodWord(granularity) + ", " + rangeWords(context) + ": " +
        format.integer(throttled) + " in total" + (worst ? ", most in the " + periodWord(granularity) + " of " +
        format.bucketLong(worst.start, granularity) + " with " + format.integer(worst.throttled) + "." : "."),
      yFormat: format.integer,
      bars: buckets.map((bucket) => ({
        key: bucket.start,
        axis: format.bucketShort(bucket.start, granularity),
        title: format.bucketLong(bucket.start, granularity) + ": " + format.integer(bucket.throttled) + " throttled",
        segments: [{ series: "throttled", value: bucket.throttled || 0 }],
      })),
    });
    body.appendChild(chart.holder);
    chart.mount();
    body.appendChild(chartFigures("Figures per " + periodWord(granularity), "Throttled requests per " + periodWord(granularity),
      ["Period", "Throttled"],
      buckets.map((bucket) => el("tr", { "data-bucket": bucket.start }, [
        el("th", { scope: "row" }, timeElement(bucket.start, format.bucketLong(bucket.start, granularity))),
        numberCell("throttled", bucket.throttled, format.integer(bucket.throttled)),
      ]))));

    if (keys.length > 0) {
      body.appendChild(table("Keys throttled, " + rangeWords(context), ["Key", "Requests", "Throttled"],
        keys.map((entry) => {
          const id = entry.api_key_id;
          const name = id ? names.get(id) : null;
          return el("tr", { "data-key": id || "none" }, [
            el("th", { scope: "row" }, id ? (name ? name : el("code", { title: id }, shortID(id))) : "Without a key"),
            numberCell("requests", entry.requests, format.integer(entry.requests)),
            numberCell("throttled", entry.throttled, format.integer(entry.throttled)),
          ]);
        })));
    }
  }

  // 4. Customer satisfaction

  function loadFeedback(context) {
    return context.request("/analytics/feedback/", analyticsParams(context, { granularity: context.granularity }));
  }

  function renderFeedback(body, data, context) {
    const totals = data.totals || {};
    const granularity = data.granularity || context.granularity;
    body.appendChild(totalsList([
      { label: "CSAT (ratings of 4 or 5)", hook: "csat", raw: totals.csat_percent, text: format.percent(totals.csat_percent) },
      { label: "Ratings", hook: "ratings", raw: totals.ratings, text: format.integer(totals.ratings) },
      { label: "Average rating (of 5)", hook: "average", raw: totals.average_rating, text: format.decimal(totals.average_rating) },
    ]));
    if (!(totals.ratings > 0)) {
      body.appendChild(stateMessage("No ratings in this period.", "empty"));
      return EMPTY;
    }
    renderCsatChart(body, data, context, granularity);
    renderAssistants(body, Array.isArray(data.assistants) ? data.assistants : [], context);
    renderComments(body, Array.isArray(data.comments) ? data.comments : []);
  }

  function renderCsatChart(body, data, context, granularity) {
    const buckets = Array.isArray(data.buckets) ? data.buckets : [];
    const rated = buckets.filter((bucket) => bucket.ratings > 0 && typeof bucket.csat_percent === "number");
    if (rated.length === 0) return;
    // Periods without ratings stay on the time axis as gaps, whether or not the server lists them.
    const slots = alignBuckets(data.from, data.to, granularity, rated);
    const lowest = rated.reduce((low, bucket) => (bucket.csat_percent < low.csat_percent ? bucket : low));
    const highest = rated.reduce((high, bucket) => (bucket.csat_percent > high.csat_percent ? bucket : high));
    const chart = chartHolder({
      name: "csat",
      label: "Bar chart of CSAT per " + periodWord(granularity) + ", " + rangeWords(context) + ": " +
        format.percent(data.totals.csat_percent) + " overall from " + counted(data.totals.ratings, "rating", "ratings", format) + "; " +
        counted(rated.length, periodWord(granularity), periodWord(granularity) + "s", format) + " with ratings, lowest " +
        format.percent(lowest.csat_percent) + ", highest " + format.percent(highest.csat_percent) + ".",
      yMax: 100,
      yFormat: format.percent,
      bars: slots.map((slot) => ({
        key: slot.start,
        axis: format.bucketShort(slot.start, granularity),
        title: format.bucketLong(slot.start, granularity) + ": " + (slot.bucket
          ? format.percent(slot.bucket.csat_percent) + " CSAT from " + counted(slot.bucket.ratings, "rating", "ratings", format)
          : "no ratings"),
        segments: slot.bucket ? [{ series: "csat", value: slot.bucket.csat_percent, markZero: true }] : [],
      })),
    });
    body.appendChild(chart.holder);
    chart.mount();
    body.appendChild(chartFigures("Figures per " + periodWord(granularity), "CSAT per " + periodWord(granularity),
      ["Period", "Ratings", "Average", "CSAT"],
      rated.map((bucket) => el("tr", { "data-bucket": bucket.start }, [
        el("th", { scope: "row" }, timeElement(bucket.start, format.bucketLong(bucket.start, granularity))),
        numberCell("ratings", bucket.ratings, format.integer(bucket.ratings)),
        numberCell("average", bucket.average_rating, format.decimal(bucket.average_rating)),
        numberCell("csat", bucket.csat_percent, format.percent(bucket.csat_percent)),
      ]))));
  }

  function renderAssistants(body, assistants, context) {
    if (assistants.length === 0) return;
    body.appendChild(table("Satisfaction per assistant version, " + rangeWords(context), ["Assistant", "Ratings", "Average", "CSAT"],
      assistants.map((entry) => {
        const name = assistantLabel(entry.assistant_name, entry.assistant_version);
        return el("tr", { "data-assistant": name }, [
          el("th", { scope: "row" }, name),
          numberCell("ratings", entry.ratings, format.integer(entry.ratings)),
          numberCell("average", entry.average_rating, format.decimal(entry.average_rating)),
          numberCell("csat", entry.csat_percent, format.percent(entry.csat_percent)),
        ]);
      })));
  }

  function stars(rating) {
    const whole = Math.max(0, Math.min(5, Math.round(rating)));
    return "\u2605".repeat(whole) + "\u2606".repeat(5 - whole); // filled and empty stars
  }

  function renderComments(body, comments) {
    body.appendChild(el("h3", null, "Latest comments"));
    if (comments.length === 0) {
      body.appendChild(stateMessage("No comments in this period.", "empty"));
      return;
    }
    body.appendChild(el("ul", { class: "comments" }, comments.map((entry) =>
      el("li", { class: "comment", "data-comment-conversation": entry.conversation_id, "data-rating": entry.rating }, [
        el("p", { class: "comment-rating" }, [
          el("span", { class: "stars", "aria-hidden": "true" }, stars(entry.rating)),
          " ",
          el("span", { class: "visually-hidden" }, "Rating "),
          figure("span", { class: "rating-number" }, entry.rating, format.integer(entry.rating) + "/" + format.integer(5)),
        ]),
        el("blockquote", { class: "comment-text" }, el("p", null, typeof entry.comment === "string" ? entry.comment : "")),
        el("p", { class: "comment-meta" }, [
          el("span", { class: "comment-assistant" }, assistantLabel(entry.assistant_name, entry.assistant_version)),
          MIDDLE_DOT,
          timeElement(entry.created_at, format.dateTime(entry.created_at)),
        ]),
      ]))));
  }

  // 5. Conversations needing a human

  function loadHandoff(context) {
    return context.request("/api/v1/conversations/", {
      // Open ones only: a handed-off conversation is with a human already, a closed one needs nobody.
      needs_human: "true", status: "open", created_after: context.from, limit: HANDOFF_LIMIT, api_key_id: context.apiKeyID,
    });
  }

  function renderHandoff(body, data) {
    const items = (Array.isArray(data.items) ? data.items : []).slice();
    const count = typeof data.count === "number" ? data.count : items.length;
    body.appendChild(totalsList([
      { label: "Conversations waiting for a human", hook: "needs-human", raw: count, text: format.integer(count) },
    ]));
    if (items.length === 0) {
      body.appendChild(stateMessage("No conversation needs a human.", "empty"));
      return EMPTY;
    }
    // The API lists the oldest first: the ones waiting longest are the ones to take first.
    if (count > items.length) {
      body.appendChild(el("p", { class: "muted" }, "The " + format.integer(items.length) + " waiting longest of " + format.integer(count) + "."));
    }
    body.appendChild(table("Conversations needing a human, waiting longest first", ["Created", "Status", "Messages", "Handoff reason", "ID"],
      items.map((item) => el("tr", { "data-conversation": item.id }, [
        el("th", { scope: "row" }, timeElement(item.created_at, format.dateTime(item.created_at))),
        el("td", { "data-field": "status", "data-value": item.status }, CONVERSATION_STATUS_LABELS[item.status] || item.status || DASH),
        numberCell("message_count", item.message_count, format.integer(item.message_count)),
        el("td", { class: "reason", "data-field": "handoff_reason" }, item.handoff_reason ? item.handoff_reason : DASH),
        el("td", { "data-field": "id" }, el("code", { title: item.id }, shortID(item.id))),
      ])), { textColumns: [0, 1, 3, 4] }));
  }

  // 6. Knowledge sources

  function loadKnowledge(context) {
    return context.request("/analytics/knowledge/", {});
  }

  /** Known kinds and statuses first, in their natural order, then any new ones the server reports. */
  function ordered(known, seen) {
    return known.concat(Array.from(seen).filter((value) => !known.includes(value)).sort());
  }

  function renderKnowledge(body, data) {
    const statuses = Array.isArray(data.statuses) ? data.statuses : [];
    const failed = Array.isArray(data.failed) ? data.failed : [];
    const total = statuses.reduce((sum, entry) => sum + (entry.sources || 0), 0);
    if (total === 0) {
      body.appendChild(stateMessage("No knowledge sources yet.", "empty"));
      return EMPTY;
    }
    const counts = new Map();
    for (const entry of statuses) {
      const slot = entry.kind + "/" + entry.status;
      counts.set(slot, (counts.get(slot) || 0) + (entry.sources || 0));
    }
    const kinds = ordered(KNOWLEDGE_KINDS, new Set(statuses.map((entry) => entry.kind)));
    const columns = ordered(KNOWLEDGE_STATUSES, new Set(statuses.map((entry) => entry.status)));
    const count = (kind, status) => counts.get(kind + "/" + status) || 0;
    const cell = (kind, status, value) => figure("td", { class: "num", "data-kind": kind, "data-status": status }, value, format.integer(value));

    const rows = kinds.map((kind) => {
      const sum = columns.reduce((acc, status) => acc + count(kind, status), 0);
      return el("tr", { "data-kind-row": kind }, [el("th", { scope: "row" }, KIND_LABELS[kind] || kind)]
        .concat(columns.map((status) => cell(kind, status, count(kind, status))), [cell(kind, "all", sum)]));
    });
    const foot = el("tr", null, [el("th", { scope: "row" }, "All kinds")]
      .concat(columns.map((status) => cell("all", status, kinds.reduce((acc, kind) => acc + count(kind, status), 0))), [cell("all", "all", total)]));
    body.appendChild(table("Sources by kind and status", ["Kind"].concat(columns.map((status) => STATUS_LABELS[status] || status), ["Total"]),
      rows, { foot: foot }));
    renderFailedSources(body, failed, typeof data.failed_count === "number" ? data.failed_count : failed.length);
  }

  function renderFailedSources(body, failed, failedCount) {
    body.appendChild(el("h3", null, "Failed sources"));
    body.appendChild(el("p", { class: "failed-count" }, [
      figure("span", { "data-total": "failed-sources" }, failedCount, format.integer(failedCount)),
      failedCount === 1 ? " source failed." : " sources failed.",
      failedCount > failed.length ? " The latest " + format.integer(failed.length) + " are listed." : null,
    ]));
    if (failed.length === 0) {
      body.appendChild(stateMessage("No failed sources.", "empty"));
      return;
    }
    body.appendChild(el("ul", { class: "failed-sources" }, failed.map((source) =>
      el("li", { class: "failed-source", "data-source": source.id }, [
        el("p", { class: "failed-title" }, [
          el("strong", null, source.title || "Untitled source"),
          " ",
          el("span", { class: "kind" }, "(" + (KIND_LABELS[source.kind] || source.kind || DASH) + ")"),
        ]),
        el("p", { class: "failed-reason" }, source.error_message ? source.error_message : "No reason was recorded."),
        el("p", { class: "failed-meta" }, [
          source.error_code ? el("code", { class: "error-code" }, source.error_code) : null,
          source.error_code && source.failed_at ? MIDDLE_DOT : null,
          source.failed_at ? timeElement(source.failed_at, format.dateTime(source.failed_at)) : null,
        ]),
      ]))));
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  const PANEL_DEFINITIONS = [
    { id: "panel-requests", load: loadUsage, render: renderUsage },
    { id: "panel-endpoints", load: loadEndpoints, render: renderEndpoints },
    { id: "panel-limits", load: loadLimits, render: renderLimits },
    { id: "panel-feedback", load: loadFeedback, render: renderFeedback },
    { id: "panel-handoff", load: loadHandoff, render: renderHandoff },
    { id: "panel-knowledge", load: loadKnowledge, render: renderKnowledge },
  ];

  function setPanelState(panel, name) {
    panel.section.setAttribute("data-state", name);
    if (name === "loading") panel.section.setAttribute("aria-busy", "true");
    else panel.section.removeAttribute("aria-busy");
  }

  function showLoading(panel) {
    setPanelState(panel, "loading");
    panel.body.replaceChildren(stateMessage("Loading" + ELLIPSIS, "loading"));
  }

  function clearPanel(panel) {
    panel.section.removeAttribute("data-state");
    panel.section.removeAttribute("aria-busy");
    panel.body.replaceChildren();
  }

  async function runPanel(panel, context) {
    showLoading(panel);
    try {
      const data = await panel.load(context);
      if (!context.isCurrent()) return "stale";
      panel.body.replaceChildren();
      // A renderer returns EMPTY when the period has nothing to show (its totals may still be there).
      const outcome = panel.render(panel.body, data || {}, context);
      setPanelState(panel, outcome === EMPTY ? "empty" : "loaded");
      return "loaded";
    } catch (failure) {
      if (!context.isCurrent() || (failure && failure.aborted)) return "stale";
      showPanelFailure(panel, failure);
      throw failure;
    }
  }

  function showPanelFailure(panel, failure) {
    setPanelState(panel, "error");
    if (!(failure instanceof RequestFailure)) {
      // An answer of an unexpected shape: say so rather than leave half a panel.
      panel.body.replaceChildren(stateMessage("These figures could not be shown.", "error"));
      return;
    }
    panel.body.replaceChildren(stateMessage(describeFailure(failure, format), "error"));
    if (failure.status === 401) refuseKey();
  }

  /** A key the server refuses is dropped from storage: keeping it would only fail again. */
  function refuseKey() {
    forgetKey();
    ui.authError.textContent = "This key is not valid.";
    ui.authError.hidden = false;
    ui.keyStatus.textContent = "Enter a valid API key.";
  }

  function hideAuthError() {
    ui.authError.hidden = true;
    ui.authError.textContent = "";
  }

  function loadKeys(context) {
    return context.request("/analytics/keys/", { from: context.from }).then((data) => {
      if (!context.isCurrent()) return new Map();
      const items = Array.isArray(data.items) ? data.items : [];
      updateKeyOptions(items);
      ui.filtersError.hidden = true;
      return new Map(items.map((key) => [key.id, key.name || "Unnamed key"]));
    }, (failure) => {
      if (context.isCurrent() && !(failure && failure.aborted)) {
        if (failure instanceof RequestFailure && failure.status === 401) {
          refuseKey(); // the page-level banner says it all
          throw failure;
        }
        ui.filtersError.textContent = "The list of keys could not be loaded. " +
          describeFailure(failure instanceof RequestFailure ? failure : new RequestFailure({ network: true }), format);
        ui.filtersError.hidden = false;
      }
      throw failure;
    });
  }

  /** Rebuilds the key filter only when the list changed, so the open control is not disturbed. */
  function updateKeyOptions(items) {
    const select = ui.keyFilter;
    const wanted = [["", "All keys"]].concat(items.map((key) => [String(key.id), keyLabel(key)]));
    if (state.apiKeyID && !wanted.some(([value]) => value === state.apiKeyID)) {
      wanted.push([state.apiKeyID, "Key " + shortID(state.apiKeyID)]);
    }
    const current = Array.from(select.options, (option) => [option.value, option.textContent]);
    const same = current.length === wanted.length && current.every(([value, text], index) =>
      value === wanted[index][0] && text === wanted[index][1]);
    if (!same) {
      select.replaceChildren(...wanted.map(([value, text]) => el("option", { value: value }, text)));
    }
    select.value = state.apiKeyID;
  }

  function resetKeyOptions() {
    state.apiKeyID = "";
    ui.keyFilter.replaceChildren(el("option", { value: "" }, "All keys"));
    ui.keyFilter.value = "";
  }

  function loadDashboard() {
    const key = readKey();
    if (!key) {
      showSignedOut();
      return;
    }
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    state.generation += 1;
    const generation = state.generation;
    const rangeInfo = RANGES[state.range] || RANGES[DEFAULT_RANGE];

    showSignedIn();
    hideAuthError();
    ui.filtersError.hidden = true;
    ui.status.textContent = "Loading the figures" + ELLIPSIS;

    const context = {
      rangeInfo: rangeInfo,
      granularity: rangeInfo.granularity,
      // One "now" for every panel, so they all describe the same window.
      from: new Date(Date.now() - rangeInfo.duration).toISOString(),
      apiKeyID: state.apiKeyID,
      isCurrent: () => generation === state.generation,
      request: (path, params) => getJSON(path, params, key, controller.signal),
      keyNames: null,
    };
    const keys = loadKeys(context);
    context.keyNames = keys;
    keys.catch(() => {}); // reported in the filters; the rate-limit panel falls back to short ids

    const jobs = panels.map((panel) => runPanel(panel, context));
    Promise.allSettled([keys].concat(jobs)).then((results) => {
      if (!context.isCurrent()) return;
      const failed = results.slice(1).filter((result) => result.status === "rejected").length;
      const at = format.clock(new Date());
      ui.status.textContent = failed === 0
        ? "Updated at " + at + "."
        : "Updated at " + at + "; " + format.integer(failed) + (failed === 1 ? " panel" : " panels") + " could not be loaded.";
    });
  }

  /** Drops whatever is in flight: its answers will be ignored. */
  function stopLoading() {
    state.generation += 1;
    if (state.controller) state.controller.abort();
    state.controller = null;
  }

  function showSignedIn() {
    ui.dashboard.hidden = false;
    ui.intro.hidden = true;
  }

  function showSignedOut() {
    ui.dashboard.hidden = true;
    ui.intro.hidden = false;
    ui.status.textContent = "";
    ui.filtersError.hidden = true;
    for (const panel of panels) clearPanel(panel);
    charts.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Controls

  function onSubmitKey(event) {
    event.preventDefault();
    const typed = ui.keyInput.value.trim();
    if (!typed) {
      if (readKey()) {
        loadDashboard();
      } else {
        ui.keyStatus.textContent = "Enter an API key.";
        ui.keyInput.focus();
      }
      return;
    }
    // Header values must be visible ASCII; anything else could not be sent anyway.
    if (!/^[\x21-\x7e]+$/.test(typed)) {
      ui.keyStatus.textContent = "This does not look like an API key.";
      ui.keyInput.focus();
      return;
    }
    if (!writeKey(typed)) {
      ui.keyStatus.textContent = "This browser does not allow storing the key for this tab, so the dashboard cannot load.";
      return;
    }
    // The field is emptied so the key lives in sessionStorage alone.
    ui.keyInput.value = "";
    ui.keyStatus.textContent = "The key is stored for this browser tab.";
    stopLoading();
    resetKeyOptions(); // another key may belong to another organization
    loadDashboard();
  }

  function onForgetKey() {
    forgetKey();
    stopLoading();
    resetKeyOptions();
    hideAuthError();
    showSignedOut();
    ui.keyInput.value = "";
    ui.keyStatus.textContent = "The key was forgotten.";
    ui.keyInput.focus();
  }

  function onRangeChange() {
    state.range = RANGES[ui.range.value] ? ui.range.value : DEFAULT_RANGE;
    loadDashboard();
  }

  function onKeyFilterChange() {
    state.apiKeyID = ui.keyFilter.value;
    loadDashboard();
  }

  function debounce(action, delay) {
    let timer = null;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(action, delay);
    };
  }

  function start() {
    if (navigator.language) document.documentElement.lang = navigator.language;
    ui.keyForm = document.getElementById("key-form");
    ui.keyInput = document.getElementById("api-key");
    ui.keyStatus = document.getElementById("key-status");
    ui.forget = document.getElementById("forget-key");
    ui.authError = document.getElementById("auth-error");
    ui.intro = document.getElementById("intro");
    ui.dashboard = document.getElementById("dashboard");
    ui.range = document.getElementById("range");
    ui.keyFilter = document.getElementById("key-filter");
    ui.refresh = document.getElementById("refresh");
    ui.status = document.getElementById("status");
    ui.filtersError = document.getElementById("filters-error");

    for (const definition of PANEL_DEFINITIONS) {
      const section = document.getElementById(definition.id);
      panels.push(Object.assign({ section: section, body: section.querySelector(".panel-body") }, definition));
    }

    // The controls start from the state in memory (a reload may have restored old form values).
    ui.range.value = state.range;
    ui.keyFilter.value = state.apiKeyID;

    ui.keyForm.addEventListener("submit", onSubmitKey);
    ui.forget.addEventListener("click", onForgetKey);
    ui.range.addEventListener("change", onRangeChange);
    ui.keyFilter.addEventListener("change", onKeyFilterChange);
    ui.refresh.addEventListener("click", loadDashboard);
    window.addEventListener("resize", debounce(redrawCharts, 150));

    if (readKey()) {
      ui.keyStatus.textContent = "Using the key stored for this browser tab.";
      loadDashboard();
    } else if (!storage()) {
      ui.keyStatus.textContent = "This browser does not allow storing the key for this tab, so the dashboard cannot load.";
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
