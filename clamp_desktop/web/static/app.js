// clamp-desktop in a browser: search, browse, read a score page by page, similar pieces.
// Plain JavaScript, no build step. The address bar's #fragment holds the state, so Back works:
//   #q=TEXT&mode=describe|filter      the library (a search or the whole list)
//   #piece=ID&page=N                  a score, at a page
"use strict";

const PAGE_SIZE = 30;
const SWIPE_PX = 40;
const $ = (id) => document.getElementById(id);
const state = { mode: "describe", query: "", offset: 0, listed: null, piece: null, page: 1, pages: 0 };

// --- talking to the server -----------------------------------------------------------

async function api(path) {
  const response = await fetch(path, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" });
  if (response.status === 401) { location.assign("/login"); throw new Error("Log in first."); }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `The server answered ${response.status}.`);
  return body;
}

const pageUrl = (id, page) => `/api/pieces/${id}/pages/${page}.svg`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// --- the library ---------------------------------------------------------------------------

function resultItem(row) {
  const item = element("li");
  const button = element("button", "result");
  button.type = "button";
  button.dataset.id = row.id;
  if (row.score !== null && row.score !== undefined) button.append(element("span", "score", `cos ${row.score.toFixed(2)}`));
  button.append(element("span", "title", row.title || "(untitled)"));
  if (row.composer) button.append(element("span", "composer", ` · ${row.composer}`));
  const facts = [row.key, row.meter, row.parts ? `${row.parts} part${row.parts > 1 ? "s" : ""}` : null,
                 row.measures ? `${row.measures} bars` : null].filter(Boolean);
  if (facts.length) button.append(element("span", "facts", facts.join(" · ")));
  if (row.matched && row.matched.length) button.append(element("span", "facts", `meets: ${row.matched.join(", ")}`));
  const labels = Object.values(row.tags || {}).flat();
  if (labels.length) {
    const tags = element("span", "tags");
    labels.slice(0, 6).forEach((label) => tags.append(element("span", "tag", label)));
    button.append(tags);
  }
  button.addEventListener("click", () => openPiece(row.id));
  item.append(button);
  return item;
}

async function runSearch(append) {
  const params = new URLSearchParams({ q: state.query, mode: state.mode, top: PAGE_SIZE, offset: state.offset });
  $("message").textContent = append ? "" : "Searching…";
  try {
    const body = await api(`/api/search?${params}`);
    if (!append) $("results").replaceChildren();
    body.results.forEach((row) => $("results").append(resultItem(row)));
    const shown = state.offset + body.results.length;
    const notes = [body.message, ...(body.ignored || []).map((text) => `Ignored: ${text}`)].filter(Boolean);
    $("message").textContent = notes.length ? notes.join(" ") : `${body.total} piece${body.total === 1 ? "" : "s"}`;
    $("more").hidden = shown >= body.total || state.mode === "describe" && shown >= 200;
  } catch (error) {
    $("message").textContent = error.message;
  }
}

function setMode(mode) {
  state.mode = mode;
  $("mode-describe").setAttribute("aria-pressed", mode === "describe");
  $("mode-filter").setAttribute("aria-pressed", mode === "filter");
}

function quoted(value) { return /[\s"]/.test(value) ? `"${value.replace(/"/g, "")}"` : value; }

function facetFilter(name, value) {
  if (name.startsWith("tags:")) return `tag:${name.slice(5)}=${quoted(value)}`;
  return `${name}:${quoted(value)}`;
}

async function loadFacets() {
  const lists = $("facet-lists");
  if (lists.childElementCount) return;
  try {
    const facets = await api("/api/facets");
    for (const [name, values] of Object.entries(facets)) {
      if (!values.length) continue;
      const box = element("div", "facet");
      box.append(element("h3", null, name.replace("tags:", "")));
      const chips = element("ul", "chips");
      values.slice(0, 16).forEach(({ value, count }) => {
        const chip = element("button", "chip", value);
        chip.type = "button";
        chip.append(element("span", "count", count));
        chip.addEventListener("click", () => {
          const filter = facetFilter(name, value);
          const query = state.query.includes(filter) ? state.query : `${filter} ${state.query}`.trim();
          navigate({ q: query, mode: state.mode });
        });
        const item = element("li");
        item.append(chip);
        chips.append(item);
      });
      box.append(chips);
      lists.append(box);
    }
  } catch (error) {
    lists.append(element("p", "message", error.message));
  }
}

// --- a score ----------------------------------------------------------------------------------

async function openPiece(id) { navigate({ piece: id, page: 1 }); }

async function showPiece(id, page) {
  $("library").hidden = true;
  $("score").hidden = false;
  if (state.piece !== id) {
    state.piece = id;
    state.pages = 0;
    $("page").removeAttribute("src");
    $("score-title").textContent = "Loading…";
    $("score-composer").textContent = "";
    $("similar").replaceChildren();
    $("similar-panel").hidden = true;
    $("similar-button").setAttribute("aria-expanded", "false");
    $("page-message").hidden = true;
    $("page").hidden = false;
    try {
      const piece = await api(`/api/pieces/${id}`);
      if (state.piece !== id) return;
      state.pages = piece.pages;
      if (piece.render_error) {
        $("page-message").textContent = piece.render_error;
        $("page-message").hidden = false;
        $("page").hidden = true;
        $("page-number").textContent = "";
      }
      $("score-title").textContent = piece.title || piece.file;
      $("score-composer").textContent = piece.composer || "";
      document.title = `${piece.title || piece.file} · clamp-desktop`;
    } catch (error) {
      $("score-title").textContent = error.message;
      return;
    }
  }
  showPage(page);
}

function showPage(page) {
  if (!state.pages) return;
  state.page = Math.min(Math.max(page, 1), state.pages);
  $("page").src = pageUrl(state.piece, state.page);
  $("page").alt = `Page ${state.page}`;
  $("page-number").textContent = `${state.page} / ${state.pages}`;
  if (state.page < state.pages) new Image().src = pageUrl(state.piece, state.page + 1);   // ready before the turn
}

function turn(step) {
  if (!state.pages) return;
  const page = Math.min(Math.max(state.page + step, 1), state.pages);
  if (page === state.page) return;
  history.replaceState(null, "", `#piece=${state.piece}&page=${page}`);
  showPage(page);
}

async function toggleSimilar() {
  const panel = $("similar-panel");
  panel.hidden = !panel.hidden;
  $("similar-button").setAttribute("aria-expanded", !panel.hidden);
  if (panel.hidden || $("similar").childElementCount) return;
  try {
    const body = await api(`/api/pieces/${state.piece}/similar?top=12`);
    body.results.forEach((row) => $("similar").append(resultItem(row)));
    if (!body.results.length) $("similar").append(element("li", "message", body.message || "Nothing similar yet."));
  } catch (error) {
    $("similar").append(element("li", "message", error.message));
  }
}

function watchTurns() {
  let start = null;
  const stage = $("stage");
  stage.addEventListener("pointerdown", (event) => { start = { x: event.clientX, y: event.clientY }; });
  stage.addEventListener("pointerup", (event) => {
    if (!start) return;
    const dx = event.clientX - start.x, dy = event.clientY - start.y;
    start = null;
    if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy)) turn(dx < 0 ? 1 : -1);       // swipe
    else if (Math.abs(dx) < 10 && Math.abs(dy) < 10) {                                        // tap
      const box = stage.getBoundingClientRect();
      turn(event.clientX - box.left < box.width / 3 ? -1 : 1);
    }
  });
  document.addEventListener("keydown", (event) => {
    if ($("score").hidden || event.target.tagName === "INPUT") return;
    const next = ["ArrowRight", "ArrowDown", "PageDown", " ", "Enter"];          // page-turn pedals send these
    const previous = ["ArrowLeft", "ArrowUp", "PageUp", "Backspace"];
    if (next.includes(event.key)) turn(1);
    else if (previous.includes(event.key)) turn(-1);
    else if (event.key === "Escape" && !document.fullscreenElement) history.back();
    else return;
    event.preventDefault();
  });
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
}

// --- the address bar is the state -----------------------------------------------------------

function navigate(params) { location.hash = new URLSearchParams(params).toString(); }

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  const piece = Number.parseInt(params.get("piece"), 10);
  if (piece > 0) { showPiece(piece, Number.parseInt(params.get("page"), 10) || 1); return; }
  $("score").hidden = true;
  $("similar-panel").hidden = true;
  $("library").hidden = false;
  document.title = "clamp-desktop";
  const query = params.get("q") || "", mode = params.get("mode") === "filter" ? "filter" : "describe";
  state.piece = null;
  if (`${mode}|${query}` === state.listed) return;     // back from a score: keep the list and its scroll position
  state.listed = `${mode}|${query}`;
  state.query = query;
  state.offset = 0;
  setMode(mode);
  $("q").value = query;
  runSearch(false);
}

function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
}

function start() {
  applyTheme(localStorage.getItem("theme")
             || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  $("theme").addEventListener("click", () => {
    const theme = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem("theme", theme);
    applyTheme(theme);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("q").blur();
    navigate({ q: $("q").value.trim(), mode: state.mode });
  });
  for (const mode of ["describe", "filter"]) {
    $(`mode-${mode}`).addEventListener("click", () => { setMode(mode); navigate({ q: $("q").value.trim(), mode }); });
  }
  $("more").addEventListener("click", () => { state.offset += PAGE_SIZE; runSearch(true); });
  $("facets").addEventListener("toggle", () => { if ($("facets").open) loadFacets(); });
  $("back").addEventListener("click", () => navigate({ q: state.query, mode: state.mode }));
  $("fullscreen").addEventListener("click", toggleFullscreen);
  $("similar-button").addEventListener("click", toggleSimilar);
  $("page").addEventListener("error", () => { if (state.pages) $("page-number").textContent = "this page cannot be shown"; });
  watchTurns();
  window.addEventListener("hashchange", route);
  route();
}

start();
