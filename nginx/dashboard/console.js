// Companin operator console: the sign-in, the navigation between pages (hash routes such as
// #/knowledge or #/conversations/ID) and the pages themselves, each in its own module. Served by
// nginx next to the API (same origin) under a strict CSP: no inline code or styles anywhere.

import { t, translatePage } from "./i18n.js";
import { readKey, writeKey, forgetKey, canStore, onUnauthorized } from "./api.js";
import { overviewPage } from "./dashboard.js";
import { knowledgePage } from "./knowledge.js";
import { conversationsPage } from "./conversations.js";
import { assistantsPage } from "./assistants.js";
import { gapsPage } from "./gaps.js";

const PAGES = [overviewPage, knowledgePage, conversationsPage, assistantsPage, gapsPage];
const DEFAULT_PAGE = "overview";

const ui = {};
let current = null; // {page, parameter}

/** `#/name/parameter` → {page, parameter}; anything unknown is the overview. */
function parseRoute(hash) {
  const parts = (hash || "").replace(/^#\/?/, "").split("/").filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch (error) {
      return part;
    }
  });
  const page = PAGES.find((candidate) => candidate.name === parts[0]) || PAGES.find((candidate) => candidate.name === DEFAULT_PAGE);
  return { page: page, parameter: page.name === parts[0] && parts[1] ? parts[1] : null };
}

function signedIn() {
  return Boolean(readKey());
}

function showPage(route, moveFocus) {
  // Leaving stops the page's polls and requests; the same page with another parameter starts over.
  if (current) current.page.leave();
  current = route;
  for (const page of PAGES) {
    const section = document.getElementById("page-" + page.name);
    section.hidden = page !== route.page;
  }
  for (const link of ui.nav.querySelectorAll("a[data-page]")) {
    if (link.dataset.page === route.page.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = t("page." + route.page.name) + " \u2013 " + t("console.title");
  route.page.enter(route.parameter);
  if (moveFocus) {
    // After a navigation the focus goes to the new page's heading, as it would on a new page.
    const heading = document.querySelector("#page-" + route.page.name + " .page-title:not([hidden])");
    const detail = route.parameter ? document.querySelector("#page-" + route.page.name + " .detail-title") : null;
    const target = detail && detail.offsetParent !== null ? detail : heading;
    if (target) target.focus();
  }
}

function showSignedIn() {
  ui.intro.hidden = true;
  ui.nav.hidden = false;
  ui.main.classList.add("signed-in");
}

function showSignedOut() {
  if (current) current.page.leave();
  current = null;
  ui.intro.hidden = false;
  ui.nav.hidden = true;
  ui.main.classList.remove("signed-in");
  for (const page of PAGES) {
    document.getElementById("page-" + page.name).hidden = true;
    page.signOut();
  }
  document.title = t("console.title");
}

function route(moveFocus) {
  if (!signedIn()) {
    showSignedOut();
    return;
  }
  showSignedIn();
  hideAuthError();
  showPage(parseRoute(location.hash), moveFocus);
}

function hideAuthError() {
  ui.authError.hidden = true;
  ui.authError.textContent = "";
}

/** A key the server refuses is dropped from storage: keeping it would only fail again. */
function refuseKey() {
  forgetKey();
  showSignedOut();
  ui.authError.textContent = t("error.401");
  ui.authError.hidden = false;
  ui.keyStatus.textContent = t("signin.enterValid");
}

function onSubmitKey(event) {
  event.preventDefault();
  const typed = ui.keyInput.value.trim();
  if (!typed) {
    if (signedIn()) {
      route(false);
    } else {
      ui.keyStatus.textContent = t("signin.enter");
      ui.keyInput.focus();
    }
    return;
  }
  // Header values must be visible ASCII; anything else could not be sent anyway.
  if (!/^[\x21-\x7e]+$/.test(typed)) {
    ui.keyStatus.textContent = t("signin.malformed");
    ui.keyInput.focus();
    return;
  }
  // Another key may belong to another organization: every page starts over.
  if (signedIn()) showSignedOut();
  if (!writeKey(typed)) {
    ui.keyStatus.textContent = t("signin.noStorage");
    return;
  }
  // The field is emptied so the key lives in sessionStorage alone.
  ui.keyInput.value = "";
  ui.keyStatus.textContent = t("signin.stored");
  route(false);
}

function onForgetKey() {
  forgetKey();
  hideAuthError();
  showSignedOut();
  ui.keyInput.value = "";
  ui.keyStatus.textContent = t("signin.forgotten");
  ui.keyInput.focus();
}

function start() {
  translatePage(document);
  Object.assign(ui, {
    keyForm: document.getElementById("key-form"),
    keyInput: document.getElementById("api-key"),
    keyStatus: document.getElementById("key-status"),
    forget: document.getElementById("forget-key"),
    authError: document.getElementById("auth-error"),
    intro: document.getElementById("intro"),
    nav: document.getElementById("nav"),
    main: document.getElementById("main"),
  });
  for (const page of PAGES) page.setup();
  onUnauthorized(refuseKey);
  ui.keyForm.addEventListener("submit", onSubmitKey);
  ui.forget.addEventListener("click", onForgetKey);
  window.addEventListener("hashchange", () => route(true));
  if (signedIn()) {
    ui.keyStatus.textContent = t("signin.using");
  } else if (!canStore()) {
    ui.keyStatus.textContent = t("signin.noStorage");
  }
  route(false);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
