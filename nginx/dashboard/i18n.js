// The console's language and formats. Portuguese when the browser prefers it (pt, pt-BR, pt-PT…),
// English otherwise; numbers and dates through Intl for the browser's own tag of that language.

import { STRINGS } from "./strings.js";

export const DASH = "\u2014"; // an em dash: no value
export const ELLIPSIS = "\u2026";
export const MIDDLE_DOT = " \u00b7 ";

/** The first of the browser's languages the console speaks: {language: "pt"|"en", tag}. */
export function chooseLanguage(preferred) {
  for (const tag of preferred || []) {
    if (typeof tag !== "string") continue;
    const primary = tag.toLowerCase().split("-")[0];
    if (primary === "pt" || primary === "en") return { language: primary, tag: supportedTag(tag) || primary };
  }
  return { language: "en", tag: "en" };
}

/** The tag if Intl accepts it; otherwise undefined. */
function supportedTag(tag) {
  try {
    return Intl.NumberFormat.supportedLocalesOf([tag]).length > 0 ? tag : undefined;
  } catch (error) {
    return undefined; // a malformed tag throws RangeError
  }
}

function browserLanguages() {
  if (typeof navigator === "undefined") return [];
  if (Array.isArray(navigator.languages) && navigator.languages.length > 0) return navigator.languages;
  return navigator.language ? [navigator.language] : [];
}

const chosen = chooseLanguage(browserLanguages());
/** "pt" or "en": which strings. */
export const language = chosen.language;
/** The browser's tag of that language ("pt-BR", "en-GB"): what Intl formats for and `<html lang>` says. */
export const locale = chosen.tag;

const plurals = new Intl.PluralRules(locale);

/**
 * The string `key` in the console's language, its {placeholders} filled from `values`. A string
 * with plural forms picks one by `values.count`; `{count}` is then the count formatted.
 */
export function t(key, values) {
  const entry = STRINGS[key];
  if (!entry) return key;
  let text = entry[language === "pt" ? 1 : 0];
  if (text === undefined || text === null) text = entry[0];
  const vars = values || {};
  if (typeof text === "object") {
    const count = typeof vars.count === "number" ? vars.count : 0;
    text = text[plurals.select(count)] || text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in vars)) return whole;
    const value = vars[name];
    if (name === "count" && typeof value === "number") return format.integer(value);
    return String(value);
  });
}

/** Fills the static page's data-i18n hooks: text, and the attributes named data-i18n-<attribute>. */
export function translatePage(root) {
  document.documentElement.lang = locale;
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const name of ["aria-label", "placeholder", "title"]) {
    const hook = "data-i18n-" + name;
    for (const element of root.querySelectorAll("[" + hook + "]")) element.setAttribute(name, t(element.getAttribute(hook)));
  }
}

/** A Date from an ISO 8601 string (any number of fractional digits, or a date alone), or null. */
export function parseDate(value) {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== "string" || value === "") return null;
  // Some engines refuse more than three fractional digits; the server may send six.
  const text = value.replace(/(\.\d{3})\d+/, "$1");
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function makeFormat(tag) {
  const integer = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 });
  const count = new Intl.NumberFormat(tag, { maximumFractionDigits: 0, useGrouping: false });
  const decimal = new Intl.NumberFormat(tag, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
  const score = new Intl.NumberFormat(tag, { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  const milliseconds = new Intl.NumberFormat(tag, { maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(tag, { style: "percent", maximumFractionDigits: 1 });
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: "short", timeStyle: "short" });
  const time = new Intl.DateTimeFormat(tag, { timeStyle: "short" });
  const clock = new Intl.DateTimeFormat(tag, { timeStyle: "medium" });
  // Day buckets are UTC days on the server: label them in UTC, or a browser west of Greenwich
  // would call the bucket of 24 November "23 November".
  const day = new Intl.DateTimeFormat(tag, { month: "short", day: "numeric", timeZone: "UTC" });
  const date = new Intl.DateTimeFormat(tag, { dateStyle: "short", timeZone: "UTC" });
  let bytes = null;
  try {
    bytes = {
      kilobyte: new Intl.NumberFormat(tag, { style: "unit", unit: "kilobyte", unitDisplay: "narrow", maximumFractionDigits: 1 }),
      megabyte: new Intl.NumberFormat(tag, { style: "unit", unit: "megabyte", unitDisplay: "narrow", maximumFractionDigits: 1 }),
      byte: new Intl.NumberFormat(tag, { style: "unit", unit: "byte", unitDisplay: "narrow", maximumFractionDigits: 0 }),
    };
  } catch (error) {
    bytes = null; // an engine without unit formatting
  }
  let languageNames = null;
  try {
    languageNames = new Intl.DisplayNames([tag], { type: "language" });
  } catch (error) {
    languageNames = null;
  }
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
    /** A search score: four decimals, as the API rounds them. */
    score: (value) => (present(value) ? score.format(value) : DASH),
    milliseconds: (value) => (present(value) ? milliseconds.format(value) : DASH),
    /** A share from 0 to 1 (error_rate). */
    fraction: (value) => (present(value) ? percent.format(value) : DASH),
    /** A percentage from 0 to 100 (csat_percent). */
    percent: (value) => (present(value) ? percent.format(value / 100) : DASH),
    bytes: (value) => {
      if (!present(value)) return DASH;
      if (!bytes) return integer.format(value) + " B";
      if (value >= 1024 * 1024) return bytes.megabyte.format(value / (1024 * 1024));
      if (value >= 1024) return bytes.kilobyte.format(value / 1024);
      return bytes.byte.format(value);
    },
    /** A language tag's name in the console's language ("pt" → "Portuguese"), else the tag. */
    languageName: (code) => {
      if (typeof code !== "string" || code === "") return DASH;
      try {
        return (languageNames && languageNames.of(code)) || code;
      } catch (error) {
        return code;
      }
    },
    dateTime: formatDate(dateTime),
    clock: formatDate(clock),
    /** A UTC day ("2026-12-01"), short, for chart labels. */
    day: formatDate(day),
    /** A UTC day in full. */
    date: formatDate(date),
    /** A bucket start, short, for chart axes. */
    bucketShort: (value, granularity) => formatDate(granularity === "day" ? day : time)(value),
    /** A bucket start in full, for tables and summaries. */
    bucketLong: (value, granularity) => formatDate(granularity === "day" ? date : dateTime)(value),
  };
}

export const format = makeFormat(locale);
