// Words for the API's enumerations, shared by the pages.

import { t, DASH } from "./i18n.js";

const KNOWLEDGE_KINDS = ["file", "qa", "url"];
const KNOWLEDGE_STATUSES = ["pending", "processing", "ready", "failed"];
const CONVERSATION_STATUSES = ["open", "closed", "handed_off"];

export function kindLabel(kind) {
  return KNOWLEDGE_KINDS.includes(kind) ? t("kind." + kind) : kind || DASH;
}

export function statusLabel(status) {
  return KNOWLEDGE_STATUSES.includes(status) ? t("status." + status) : status || DASH;
}

export function conversationStatusLabel(status) {
  return CONVERSATION_STATUSES.includes(status) ? t("conversation.status." + status) : status || DASH;
}

/** "Shop helper v2"; a deleted assistant has no name. */
export function assistantLabel(name, version) {
  const base = name || t("assistant.unnamed");
  return version === null || version === undefined ? base : base + " v" + version;
}

/** Five stars, as many filled as the rating. */
export function stars(rating) {
  const whole = Math.max(0, Math.min(5, Math.round(rating)));
  return "\u2605".repeat(whole) + "\u2606".repeat(5 - whole); // filled and empty stars
}
