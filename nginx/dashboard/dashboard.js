// The console's overview: the analytics endpoints read with the operator's key, one panel per
// figure, drawn as hand-made SVG charts and tables.

import { t, format, locale, parseDate, ELLIPSIS, MIDDLE_DOT, DASH } from "./i18n.js";
import { getJSON, describeFailure, RequestFailure, beginLoad, cancelLoad } from "./api.js";
import { el, svg, figure, stateMessage, totalsList, table, numberCell, timeElement, proportionBar, shortID } from "./dom.js";
import { kindLabel, statusLabel, conversationStatusLabel, assistantLabel, stars } from "./labels.js";

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const RANGES = {
  "24h": { label: "range.24h", duration: DAY, granularity: "hour" },
  "7d": { label: "range.7d", duration: 7 * DAY, granularity: "day" },
  "30d": { label: "range.30d", duration: 30 * DAY, granularity: "day" },
};
const DEFAULT_RANGE = "24h";
const HANDOFF_LIMIT = 20;
const EMPTY = "empty";

const USAGE_SERIES = [
  { key: "ok", label: "series.ok" },
  { key: "4xx", label: "series.4xx" },
  { key: "throttled", label: "series.throttled" },
  { key: "5xx", label: "series.5xx" },
];
const KNOWLEDGE_KINDS = ["file", "qa", "url"];
const KNOWLEDGE_STATUSES = ["pending", "processing", "ready", "failed"];

// ---------------------------------------------------------------------------------------------
// Pure helpers

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

function keyLabel(key) {
  return (key.name || t("key.unnamed")) + (key.revoked ? " " + t("key.revoked") : "");
}

// ---------------------------------------------------------------------------------------------
// Page state

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

/** `from`, and `api_key_id` when a key is chosen, plus the endpoint's own parameters. */
function analyticsParams(context, extra) {
  return Object.assign({ from: context.from, api_key_id: context.apiKeyID }, extra || {});
}

/** The figures behind a chart as a table, folded away under the chart. */
function chartFigures(summary, caption, headings, rows) {
  return el("details", { class: "figures" }, [
    el("summary", null, summary),
    table(caption, headings, rows, { hideCaption: true }),
  ]);
}

function legend(series, totals) {
  return el("ul", { class: "legend" }, series.map((entry) =>
    el("li", { "data-series": entry.key }, [
      el("span", { class: "swatch seg-" + entry.key, "aria-hidden": "true" }),
      el("span", { class: "legend-label" }, t(entry.label)),
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

// ---------------------------------------------------------------------------------------------
// Panels

function rangeWords(context) {
  return t(context.rangeInfo.label).toLocaleLowerCase(locale);
}

function periodWord(granularity) {
  return t(granularity === "day" ? "period.day" : "period.hour");
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
    { label: t("usage.requests"), hook: "requests", raw: totals.requests, text: format.integer(totals.requests) },
    { label: t("usage.errors4xx"), hook: "errors_4xx", raw: totals.errors_4xx, text: format.integer(totals.errors_4xx) },
    { label: t("usage.errors5xx"), hook: "errors_5xx", raw: totals.errors_5xx, text: format.integer(totals.errors_5xx) },
    { label: t("usage.throttled"), hook: "throttled", raw: totals.throttled, text: format.integer(totals.throttled) },
    { label: t("usage.p50"), hook: "p50_ms", raw: totals.p50_ms, text: format.milliseconds(totals.p50_ms) },
    { label: t("usage.p95"), hook: "p95_ms", raw: totals.p95_ms, text: format.milliseconds(totals.p95_ms) },
  ]));
  if (!(totals.requests > 0)) {
    body.appendChild(stateMessage(t("usage.empty"), "empty"));
    return EMPTY;
  }

  const parts = usageSegments(totals);
  const busiest = peak(buckets, (bucket) => bucket.requests || 0);
  const label = t("usage.chart", {
    period: periodWord(granularity), range: rangeWords(context), requests: t("count.requests", { count: totals.requests }),
    ok: format.integer(parts.ok), client: format.integer(parts["4xx"]), throttled: format.integer(parts.throttled),
    server: format.integer(parts["5xx"]),
  }) + (busiest ? t("usage.chart.busiest", {
    period: periodWord(granularity), when: format.bucketLong(busiest.start, granularity),
    requests: t("count.requests", { count: busiest.requests }),
  }) : ".");
  const chart = chartHolder({
    name: "requests",
    label: label,
    yFormat: format.integer,
    bars: buckets.map((bucket) => {
      const segments = usageSegments(bucket);
      return {
        key: bucket.start,
        axis: format.bucketShort(bucket.start, granularity),
        title: format.bucketLong(bucket.start, granularity) + ": " + t("count.requests", { count: bucket.requests || 0 }) + " (" +
          USAGE_SERIES.map((entry) => t(entry.label) + " " + format.integer(segments[entry.key])).join(", ") + ")",
        segments: USAGE_SERIES.map((entry) => ({ series: entry.key, value: segments[entry.key] })),
      };
    }),
  });
  body.appendChild(chart.holder);
  chart.mount();
  body.appendChild(legend(USAGE_SERIES, parts));
  body.appendChild(chartFigures(t("figures.per", { period: periodWord(granularity) }), t("usage.per", { period: periodWord(granularity) }),
    [t("column.period"), t("column.requests"), "4xx", t("column.throttled"), "5xx", t("column.p50"), t("column.p95")],
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
    body.appendChild(stateMessage(t("usage.empty"), "empty"));
    return EMPTY;
  }
  const most = Math.max(1, ...items.map((item) => item.requests || 0));
  const rows = items.map((item) => {
    const name = item.method + " " + item.route;
    return el("tr", { "data-endpoint": name }, [
      el("th", { scope: "row", class: "endpoint" }, [
        el("span", { class: "method" }, item.method || DASH), " ", item.route ? el("code", { class: "route" }, item.route)
          // Requests refused before routing (throttled, bad key) or for no route carry no template.
          : el("span", { class: "route muted" }, t("endpoints.unrouted")),
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
  body.appendChild(table(t("endpoints.caption", { range: rangeWords(context) }),
    [t("column.endpoint"), t("column.requests"), t("column.errorRate"), t("column.p50"), t("column.p95")], rows));
}

// 3. Rate limiting

async function loadLimits(context) {
  const data = await context.request("/analytics/rate-limits/", analyticsParams(context, { granularity: context.granularity }));
  // Key names only label the table: without them the panel still shows short ids.
  const names = await context.keyNames.catch(() => new Map());
  return { data: data, names: names };
}

function renderLive(live) {
  if (!live) return el("p", { class: "live muted" }, t("limits.unavailable"));
  const share = live.limit > 0 ? live.remaining / live.limit : 0;
  return el("div", { class: "live-block" }, [
    el("p", { class: "live" }, [
      figure("span", { class: "live-value", "data-live": "remaining" }, live.remaining, format.integer(live.remaining)),
      " " + t("limits.of") + " ",
      figure("span", { class: "live-value", "data-live": "limit" }, live.limit, format.integer(live.limit)),
      " " + t("limits.left") + " ",
      figure("span", { "data-live": "reset" }, resetMinutes(live.reset_seconds), format.integer(resetMinutes(live.reset_seconds))),
      " min",
    ]),
    proportionBar(share, share < 0.1 ? "bar-low" : "bar-left"),
    el("p", { class: "muted small" }, t("limits.whole")),
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
    { label: t("limits.throttled"), hook: "throttled-events", raw: throttled, text: format.integer(throttled) },
  ]));
  if (throttled === 0) {
    body.appendChild(stateMessage(t("limits.empty"), "empty"));
    return EMPTY;
  }

  const worst = peak(buckets, (bucket) => bucket.throttled || 0);
  const chart = chartHolder({
    name: "throttled",
    label: t("limits.chart", { period: periodWord(granularity), range: rangeWords(context), total: format.integer(throttled) }) +
      (worst ? t("limits.chart.worst", { period: periodWord(granularity), when: format.bucketLong(worst.start, granularity),
        count: format.integer(worst.throttled) }) : "."),
    yFormat: format.integer,
    bars: buckets.map((bucket) => ({
      key: bucket.start,
      axis: format.bucketShort(bucket.start, granularity),
      title: format.bucketLong(bucket.start, granularity) + ": " + t("limits.bar", { count: format.integer(bucket.throttled) }),
      segments: [{ series: "throttled", value: bucket.throttled || 0 }],
    })),
  });
  body.appendChild(chart.holder);
  chart.mount();
  body.appendChild(chartFigures(t("figures.per", { period: periodWord(granularity) }), t("limits.per", { period: periodWord(granularity) }),
    [t("column.period"), t("column.throttled")],
    buckets.map((bucket) => el("tr", { "data-bucket": bucket.start }, [
      el("th", { scope: "row" }, timeElement(bucket.start, format.bucketLong(bucket.start, granularity))),
      numberCell("throttled", bucket.throttled, format.integer(bucket.throttled)),
    ]))));

  if (keys.length > 0) {
    body.appendChild(table(t("limits.keys", { range: rangeWords(context) }), [t("column.key"), t("column.requests"), t("column.throttled")],
      keys.map((entry) => {
        const id = entry.api_key_id;
        const name = id ? names.get(id) : null;
        return el("tr", { "data-key": id || "none" }, [
          el("th", { scope: "row" }, id ? (name ? name : el("code", { title: id }, shortID(id))) : t("limits.withoutKey")),
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
    { label: t("feedback.csat"), hook: "csat", raw: totals.csat_percent, text: format.percent(totals.csat_percent) },
    { label: t("feedback.ratings"), hook: "ratings", raw: totals.ratings, text: format.integer(totals.ratings) },
    { label: t("feedback.average"), hook: "average", raw: totals.average_rating, text: format.decimal(totals.average_rating) },
  ]));
  if (!(totals.ratings > 0)) {
    body.appendChild(stateMessage(t("feedback.empty"), "empty"));
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
    label: t("feedback.chart", {
      period: periodWord(granularity), range: rangeWords(context), csat: format.percent(data.totals.csat_percent),
      ratings: t("count.ratings", { count: data.totals.ratings }),
      periods: t(granularity === "day" ? "count.days" : "count.hours", { count: rated.length }),
      lowest: format.percent(lowest.csat_percent), highest: format.percent(highest.csat_percent),
    }),
    yMax: 100,
    yFormat: format.percent,
    bars: slots.map((slot) => ({
      key: slot.start,
      axis: format.bucketShort(slot.start, granularity),
      title: format.bucketLong(slot.start, granularity) + ": " + (slot.bucket
        ? t("feedback.bar", { csat: format.percent(slot.bucket.csat_percent), ratings: t("count.ratings", { count: slot.bucket.ratings }) })
        : t("feedback.noRatings")),
      segments: slot.bucket ? [{ series: "csat", value: slot.bucket.csat_percent, markZero: true }] : [],
    })),
  });
  body.appendChild(chart.holder);
  chart.mount();
  body.appendChild(chartFigures(t("figures.per", { period: periodWord(granularity) }), t("feedback.per", { period: periodWord(granularity) }),
    [t("column.period"), t("column.ratings"), t("column.average"), "CSAT"],
    rated.map((bucket) => el("tr", { "data-bucket": bucket.start }, [
      el("th", { scope: "row" }, timeElement(bucket.start, format.bucketLong(bucket.start, granularity))),
      numberCell("ratings", bucket.ratings, format.integer(bucket.ratings)),
      numberCell("average", bucket.average_rating, format.decimal(bucket.average_rating)),
      numberCell("csat", bucket.csat_percent, format.percent(bucket.csat_percent)),
    ]))));
}

function renderAssistants(body, assistants, context) {
  if (assistants.length === 0) return;
  body.appendChild(table(t("feedback.assistants", { range: rangeWords(context) }),
    [t("column.assistant"), t("column.ratings"), t("column.average"), "CSAT"],
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

function renderComments(body, comments) {
  body.appendChild(el("h4", null, t("feedback.comments")));
  if (comments.length === 0) {
    body.appendChild(stateMessage(t("feedback.noComments"), "empty"));
    return;
  }
  body.appendChild(el("ul", { class: "comments" }, comments.map((entry) =>
    el("li", { class: "comment", "data-comment-conversation": entry.conversation_id, "data-rating": entry.rating }, [
      el("p", { class: "comment-rating" }, [
        el("span", { class: "stars", "aria-hidden": "true" }, stars(entry.rating)),
        " ",
        el("span", { class: "visually-hidden" }, t("feedback.rating") + " "),
        figure("span", { class: "rating-number" }, entry.rating, format.integer(entry.rating) + "/" + format.integer(5)),
      ]),
      el("blockquote", { class: "comment-text" }, el("p", null, typeof entry.comment === "string" ? entry.comment : "")),
      el("p", { class: "comment-meta" }, [
        el("span", { class: "comment-assistant" }, assistantLabel(entry.assistant_name, entry.assistant_version)),
        MIDDLE_DOT,
        timeElement(entry.created_at, format.dateTime(entry.created_at)),
        entry.conversation_id ? MIDDLE_DOT : null,
        entry.conversation_id ? el("a", { href: "#/conversations/" + entry.conversation_id }, t("feedback.openConversation")) : null,
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
    { label: t("handoff.waiting"), hook: "needs-human", raw: count, text: format.integer(count) },
  ]));
  if (items.length === 0) {
    body.appendChild(stateMessage(t("handoff.empty"), "empty"));
    return EMPTY;
  }
  // The API lists the oldest first: the ones waiting longest are the ones to take first.
  if (count > items.length) {
    body.appendChild(el("p", { class: "muted" }, t("handoff.some", { shown: format.integer(items.length), total: format.integer(count) })));
  }
  body.appendChild(table(t("handoff.caption"), [t("column.created"), t("column.status"), t("column.messages"), t("column.handoffReason"), "ID"],
    items.map((item) => el("tr", { "data-conversation": item.id }, [
      el("th", { scope: "row" }, timeElement(item.created_at, format.dateTime(item.created_at))),
      el("td", { "data-field": "status", "data-value": item.status }, conversationStatusLabel(item.status)),
      numberCell("message_count", item.message_count, format.integer(item.message_count)),
      el("td", { class: "reason", "data-field": "handoff_reason" }, item.handoff_reason ? item.handoff_reason : DASH),
      el("td", { "data-field": "id" }, el("a", { href: "#/conversations/" + item.id, "aria-label": t("handoff.open", { id: shortID(item.id) }) },
        el("code", { title: item.id }, shortID(item.id)))),
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
    body.appendChild(stateMessage(t("sources.empty"), "empty"));
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
    return el("tr", { "data-kind-row": kind }, [el("th", { scope: "row" }, kindLabel(kind))]
      .concat(columns.map((status) => cell(kind, status, count(kind, status))), [cell(kind, "all", sum)]));
  });
  const foot = el("tr", null, [el("th", { scope: "row" }, t("sources.allKinds"))]
    .concat(columns.map((status) => cell("all", status, kinds.reduce((acc, kind) => acc + count(kind, status), 0))), [cell("all", "all", total)]));
  body.appendChild(table(t("sources.caption"), [t("column.kind")].concat(columns.map(statusLabel), [t("column.total")]),
    rows, { foot: foot }));
  renderFailedSources(body, failed, typeof data.failed_count === "number" ? data.failed_count : failed.length);
}

function renderFailedSources(body, failed, failedCount) {
  body.appendChild(el("h4", null, t("sources.failed")));
  body.appendChild(el("p", { class: "failed-count" }, [
    figure("span", { "data-total": "failed-sources" }, failedCount, format.integer(failedCount)),
    " " + t(failedCount === 1 ? "sources.failedOne" : "sources.failedMany"),
    failedCount > failed.length ? " " + t("sources.latest", { shown: format.integer(failed.length) }) : null,
  ]));
  if (failed.length === 0) {
    body.appendChild(stateMessage(t("sources.noFailed"), "empty"));
    return;
  }
  body.appendChild(el("ul", { class: "failed-sources" }, failed.map((source) =>
    el("li", { class: "failed-source", "data-source": source.id }, [
      el("p", { class: "failed-title" }, [
        el("strong", null, source.title || t("sources.untitled")),
        " ",
        el("span", { class: "kind" }, "(" + kindLabel(source.kind) + ")"),
      ]),
      el("p", { class: "failed-reason" }, source.error_message ? source.error_message : t("sources.noReason")),
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
  panel.body.replaceChildren(stateMessage(t("state.loading") , "loading"));
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
    console.error(failure);
    panel.body.replaceChildren(stateMessage(t("overview.unreadable"), "error"));
    return;
  }
  panel.body.replaceChildren(stateMessage(describeFailure(failure, { 403: t("overview.forbidden") }), "error"));
}

function loadKeys(context) {
  return context.request("/analytics/keys/", { from: context.from }).then((data) => {
    if (!context.isCurrent()) return new Map();
    const items = Array.isArray(data.items) ? data.items : [];
    updateKeyOptions(items);
    ui.filtersError.hidden = true;
    return new Map(items.map((key) => [key.id, key.name || t("key.unnamed")]));
  }, (failure) => {
    if (context.isCurrent() && !(failure && failure.aborted) && !(failure instanceof RequestFailure && failure.status === 401)) {
      // A 401 is said once, by the page-level banner.
      ui.filtersError.textContent = t("overview.keysFailed") + " " +
        describeFailure(failure instanceof RequestFailure ? failure : new RequestFailure({ network: true }), { 403: t("overview.forbidden") });
      ui.filtersError.hidden = false;
    }
    throw failure;
  });
}

/** Rebuilds the key filter only when the list changed, so the open control is not disturbed. */
function updateKeyOptions(items) {
  const select = ui.keyFilter;
  const wanted = [["", t("overview.allKeys")]].concat(items.map((key) => [String(key.id), keyLabel(key)]));
  if (state.apiKeyID && !wanted.some(([value]) => value === state.apiKeyID)) {
    wanted.push([state.apiKeyID, t("overview.keyShort", { id: shortID(state.apiKeyID) })]);
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
  ui.keyFilter.replaceChildren(el("option", { value: "" }, t("overview.allKeys")));
  ui.keyFilter.value = "";
}

function loadDashboard() {
  const { generation, signal } = beginLoad(state);
  const rangeInfo = RANGES[state.range] || RANGES[DEFAULT_RANGE];

  ui.filtersError.hidden = true;
  ui.status.textContent = t("overview.loading");

  const context = {
    rangeInfo: rangeInfo,
    granularity: rangeInfo.granularity,
    // One "now" for every panel, so they all describe the same window.
    from: new Date(Date.now() - rangeInfo.duration).toISOString(),
    apiKeyID: state.apiKeyID,
    isCurrent: () => generation === state.generation,
    request: (path, params) => getJSON(path, params, signal),
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
      ? t("overview.updated", { at: at })
      : t("overview.updatedFailed", { at: at, panels: t("count.panels", { count: failed }) });
  });
}

function debounce(action, delay) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(action, delay);
  };
}

function setup() {
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

  ui.range.addEventListener("change", () => {
    state.range = RANGES[ui.range.value] ? ui.range.value : DEFAULT_RANGE;
    loadDashboard();
  });
  ui.keyFilter.addEventListener("change", () => {
    state.apiKeyID = ui.keyFilter.value;
    loadDashboard();
  });
  ui.refresh.addEventListener("click", loadDashboard);
  window.addEventListener("resize", debounce(redrawCharts, 150));
}

/** The overview page of the console (the figures): loaded each time it is shown, never by itself. */
export const overviewPage = {
  name: "overview",
  setup: setup,
  enter: () => loadDashboard(),
  leave: () => cancelLoad(state),
  /** Another key may belong to another organization: its filters start over. */
  signOut: () => {
    cancelLoad(state);
    resetKeyOptions();
    ui.status.textContent = "";
    ui.filtersError.hidden = true;
    for (const panel of panels) clearPanel(panel);
    charts.clear();
  },
};
