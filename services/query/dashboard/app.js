// The chatstream dashboard: plain JavaScript, no dependencies, every chart drawn as inline SVG. All data comes
// from the query role's HTTP API (docs/query.md) with the bearer token from `#token=…`. Every string from the
// API is put in the page as text (textContent / attributes), never parsed as HTML.
"use strict";

(function () {
  const TOKEN_KEY = "chatstream.token";
  const OVERVIEW_KEY = "chatstream.overview";
  const REFRESH_MS = 5000;
  const PAGE_SIZE = 25;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const DAY_MS = 86400000;
  const PRESETS = [
    { id: "24h", label: "24 h", ms: DAY_MS },
    { id: "7d", label: "7 days", ms: 7 * DAY_MS },
    { id: "30d", label: "30 days", ms: 30 * DAY_MS },
    { id: "90d", label: "90 days", ms: 90 * DAY_MS },
  ];
  const PLATFORMS = {
    livechat: { name: "LiveChat", color: "#f07b2b" },
    chatwoot: { name: "Chatwoot", color: "#2f7de1" },
    freshchat: { name: "Freshchat", color: "#17a77e" },
    userlike: { name: "Userlike", color: "#8a5cd8" },
  };
  const OTHER_COLORS = ["#c2417a", "#5b6b7f", "#b58a00", "#3aa0b8"];
  const STATUS_COLORS = {
    online: "#1f9d55",
    accepting_chats: "#1f9d55",
    away: "#e0a100",
    busy: "#d9534f",
    not_accepting_chats: "#e0a100",
    offline: "#9aa5b1",
  };
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  const app = document.getElementById("app");
  const controls = document.getElementById("controls");
  const statusBox = document.getElementById("status");
  const banner = document.getElementById("banner");

  // ---------------------------------------------------------------- DOM helpers (text only, never innerHTML)

  function setProps(node, props) {
    if (!props) return;
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "testid") node.setAttribute("data-testid", String(value));
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
  }

  function appendAll(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    setProps(node, props);
    appendAll(node, children);
    return node;
  }

  function svg(tag, props, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setProps(node, props);
    appendAll(node, children);
    return node;
  }

  // ---------------------------------------------------------------- formatting

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function trimNumber(x, decimals) {
    const s = x.toFixed(decimals);
    return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
  }

  /** 42 → "42 s", 90 → "1.5 min", 5400 → "1.5 h", 200000 → "2.3 d". */
  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "—";
    const s = Math.max(0, seconds);
    if (s < 60) return trimNumber(s, 1) + " s";
    if (s < 3600) return trimNumber(s / 60, 1) + " min";
    if (s < 172800) return trimNumber(s / 3600, 1) + " h";
    return trimNumber(s / 86400, 1) + " d";
  }

  function fmtHours(hours) {
    if (hours === null || hours === undefined) return "—";
    return trimNumber(hours, 1) + " h";
  }

  function fmtInt(n) {
    if (n === null || n === undefined) return "—";
    return Number(n).toLocaleString("en-US");
  }

  function fmtPct(share) {
    if (share === null || share === undefined) return "—";
    return trimNumber(share * 100, 1) + "%";
  }

  function fmtScore(score) {
    if (score === null || score === undefined) return "—";
    return trimNumber(score, 2);
  }

  /** "1 note", "2 notes". */
  function plural(n, word) {
    return fmtInt(n) + " " + word + (n === 1 ? "" : "s");
  }

  /** Offset from the session start: "+0:04", "+12:30", "+1:02:03". */
  function fmtOffset(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = pad(s % 60);
    return "+" + (h ? h + ":" + pad(m) : m) + ":" + rest;
  }

  function parseTime(iso) {
    return iso ? new Date(iso) : null;
  }

  /** "3 Jan" */
  function fmtDay(iso) {
    const d = parseTime(iso);
    return d ? d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] : "—";
  }

  /** "3 Jan 2026 14:05" (UTC) */
  function fmtDateTime(iso) {
    const d = parseTime(iso);
    if (!d) return "—";
    return fmtDay(iso) + " " + d.getUTCFullYear() + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  /** "3 Jan 14:05:09" (UTC) */
  function fmtShort(iso) {
    const d = parseTime(iso);
    if (!d) return "—";
    return fmtDay(iso) + " " + fmtClock(iso);
  }

  function fmtClock(iso) {
    const d = parseTime(iso);
    if (!d) return "—";
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function fmtRange(from, to) {
    return fmtDateTime(from) + " and " + fmtDateTime(to) + " UTC";
  }

  function platformInfo(id, index) {
    return PLATFORMS[id] || { name: id, color: OTHER_COLORS[(index || 0) % OTHER_COLORS.length] };
  }

  function statusLabel(status) {
    return String(status).replace(/_/g, " ");
  }

  function statusColor(status, index) {
    return STATUS_COLORS[status] || OTHER_COLORS[index % OTHER_COLORS.length];
  }

  function isoSeconds(date) {
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  // ---------------------------------------------------------------- token

  let memoryToken = null;

  function getToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || memoryToken;
    } catch (_) {
      return memoryToken;
    }
  }

  function setToken(token) {
    memoryToken = token;
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (_) {
      // sessionStorage unavailable (private mode): the token lives as long as the page.
    }
  }

  function remember(key, value) {
    try {
      sessionStorage.setItem(key, value);
    } catch (_) {
      // nothing to remember then
    }
  }

  function recall(key) {
    try {
      return sessionStorage.getItem(key);
    } catch (_) {
      return null;
    }
  }

  // ---------------------------------------------------------------- routing

  /** The hash as {path, params}; a `token` parameter is stored and removed from the address bar. */
  function readHash() {
    const raw = location.hash.replace(/^#/, "");
    let path = raw;
    let query = "";
    const q = raw.indexOf("?");
    if (q >= 0) {
      path = raw.slice(0, q);
      query = raw.slice(q + 1);
    } else if (!raw.startsWith("/") && raw.includes("=")) {
      path = "";
      query = raw;
    }
    const params = new URLSearchParams(query);
    const token = params.get("token");
    if (token !== null) {
      params.delete("token");
      if (token) setToken(token);
      history.replaceState(null, "", location.pathname + location.search + hashFor(path || "/", params));
    }
    return { path: path || "/", params };
  }

  function hashFor(path, params) {
    const q = params.toString();
    return "#" + path + (q ? "?" + q : "");
  }

  function sessionHash(tenant, platform, chatId, sessionId) {
    return "#/session/" + [tenant, platform, chatId, sessionId].map(encodeURIComponent).join("/");
  }

  function navigate(path, params) {
    const target = hashFor(path, params);
    if (location.hash === target) route();
    else location.hash = target;
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, params) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") query.set(k, v);
    }
    const url = "api/v1/" + path + (query.toString() ? "?" + query.toString() : "");
    let response;
    try {
      response = await fetch(url, {
        headers: { Authorization: "Bearer " + getToken(), Accept: "application/json" },
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError(0, "cannot reach the query API (" + e.message + ")");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error ? body.error : response.status + " " + response.statusText;
      throw new ApiError(response.status, message);
    }
    return body;
  }

  // ---------------------------------------------------------------- page scaffolding

  /** A titled card; `update(key, build)` replaces its body only when `key` changed (no flicker). */
  function panel(title, opts) {
    const options = opts || {};
    const subtitle = el("p", { class: "panel-subtitle" }, options.subtitle || "");
    const aside = el("div", { class: "panel-aside" });
    const body = el("div", { class: "panel-body" });
    const root = el(
      "section",
      { class: "panel " + (options.span ? "span-" + options.span : ""), testid: options.testid },
      el("header", { class: "panel-head" }, el("div", null, el("h2", null, title), subtitle), aside),
      body,
    );
    let key = null;
    return {
      root,
      update(newKey, build) {
        if (newKey === key) return;
        key = newKey;
        body.replaceChildren(build());
      },
      setSubtitle(text) {
        if (subtitle.textContent !== text) subtitle.textContent = text;
      },
      setAside(node) {
        aside.replaceChildren(node);
      },
    };
  }

  function emptyState(testid, title, why) {
    return el(
      "div",
      { class: "empty", testid },
      el("p", { class: "empty-title" }, title),
      why ? el("p", { class: "empty-why" }, why) : null,
    );
  }

  function kpi(label, testid, unitHint) {
    const value = el("span", { class: "kpi-value", testid }, "—");
    const sub = el("span", { class: "kpi-sub", testid: testid + "-sub" }, unitHint || "");
    const root = el("div", { class: "kpi" }, el("span", { class: "kpi-label" }, label), value, sub);
    return {
      root,
      set(text, subText, tone) {
        if (value.textContent !== text) value.textContent = text;
        if (sub.textContent !== subText) sub.textContent = subText;
        root.className = "kpi" + (tone ? " tone-" + tone : "");
      },
    };
  }

  function setStatus(ok, text) {
    statusBox.replaceChildren(
      el("span", { class: "dot " + (ok ? "dot-ok" : "dot-bad") }),
      el("span", { testid: "refresh-status" }, text),
      getToken()
        ? el("button", { class: "link-button", type: "button", onclick: signOut, title: "Forget the token" }, "Sign out")
        : null,
    );
  }

  let apiProblem = null;
  let pageProblem = null;

  /** Says what is wrong with the API right now (null: nothing; cleared by the next good refresh). */
  function showBanner(text) {
    apiProblem = text;
    renderBanner();
  }

  /** Says that the page itself broke (a script error, a refused resource); stays until reload. */
  function reportProblem(text) {
    pageProblem = pageProblem || text;
    renderBanner();
  }

  function renderBanner() {
    const text = [pageProblem, apiProblem].filter(Boolean).join(" ");
    banner.textContent = text;
    banner.hidden = !text;
  }

  function signOut() {
    setToken(null);
    stopRefresh();
    showTokenForm("Signed out. Paste a token to continue.");
  }

  // ---------------------------------------------------------------- refresh loop

  let generation = 0;
  let timer = null;
  let current = null;

  function stopRefresh() {
    generation++;
    clearTimeout(timer);
    timer = null;
    current = null;
  }

  function start(page) {
    stopRefresh();
    const gen = generation;
    current = page;
    tick(gen);
  }

  let running = false;
  let pending = false;

  /** Fetches and renders the current page now, then every 5 s (never two fetches at once). */
  async function tick(gen) {
    if (gen !== generation || !current) return;
    if (running) {
      pending = true;
      return;
    }
    clearTimeout(timer);
    timer = null;
    running = true;
    try {
      await refreshOnce(gen);
    } finally {
      running = false;
    }
    if (pending) {
      pending = false;
      tick(generation);
      return;
    }
    if (gen === generation && current) timer = setTimeout(() => tick(gen), REFRESH_MS);
  }

  async function refreshOnce(gen) {
    const page = current;
    if (document.hidden) return;
    try {
      await page.refresh();
      if (gen !== generation) return;
      showBanner(null);
      setStatus(true, "Live · updated " + fmtClock(new Date().toISOString()) + " UTC");
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof ApiError && e.status === 401) {
        setToken(null);
        stopRefresh();
        showTokenForm("The API did not accept the token: " + e.message);
        return;
      }
      const text = e instanceof ApiError ? errorText(e) : "The dashboard failed: " + e.message;
      showBanner(text + " — retrying every 5 s.");
      setStatus(false, "Not updated since " + (page.updatedAt || "the page opened"));
    }
  }

  function errorText(e) {
    if (e.status === 0) return "Cannot reach the query API: " + e.message;
    if (e.status === 403) return "This token may not read that tenant (403): " + e.message;
    return "The API answered " + e.status + ": " + e.message;
  }

  // ---------------------------------------------------------------- token form

  function showTokenForm(reason) {
    stopRefresh();
    controls.replaceChildren();
    statusBox.replaceChildren();
    showBanner(null);
    const input = el("input", {
      type: "password",
      name: "token",
      autocomplete: "off",
      placeholder: "API token",
      required: true,
      testid: "token-input",
    });
    const form = el(
      "form",
      { class: "token-form", testid: "token-form" },
      el("h1", null, "Sign in to the dashboard"),
      el(
        "p",
        { class: "muted" },
        "The dashboard reads the query API with a bearer token. ",
        el("code", null, "chatstream dev"),
        " prints a ready-to-use link (…/#token=…); operators find tokens in the query role's tokens file.",
      ),
      reason ? el("p", { class: "form-error", testid: "token-reason" }, reason) : null,
      el("label", null, "Token", input),
      el("button", { type: "submit", class: "primary" }, "Open dashboard"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      setToken(token);
      route();
    });
    app.replaceChildren(form);
    input.focus();
  }

  // ---------------------------------------------------------------- charts (inline SVG)

  function niceCeiling(max, ticks) {
    if (max <= 0) return { top: ticks, step: 1 };
    const raw = max / ticks;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const residual = raw / magnitude;
    const step = (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude;
    const stepInt = Math.max(1, step);
    return { top: Math.ceil(max / stepInt) * stepInt, step: stepInt };
  }

  /** Stacked bars: `days` (ISO midnights), `series` [{id, name, color, values: {day: n}}]. */
  function stackedBars(days, series, opts) {
    const W = opts.width;
    const H = opts.height;
    const m = { top: 18, right: 8, bottom: 26, left: 38 };
    const plotW = W - m.left - m.right;
    const plotH = H - m.top - m.bottom;
    const totals = days.map((d) => series.reduce((sum, s) => sum + (s.values[d] || 0), 0));
    const { top, step } = niceCeiling(Math.max(0, ...totals), 4);
    const band = plotW / Math.max(1, days.length);
    const barW = Math.max(2, Math.min(56, band * 0.68));
    const y = (v) => m.top + plotH - (v / top) * plotH;
    const root = svg("svg", {
      class: "chart",
      viewBox: "0 0 " + W + " " + H,
      role: "img",
      "aria-label": opts.label,
      testid: opts.testid,
    });
    for (let v = 0; v <= top; v += step) {
      root.append(
        svg("line", { class: "gridline", x1: m.left, x2: W - m.right, y1: y(v), y2: y(v) }),
        svg("text", { class: "axis", x: m.left - 6, y: y(v) + 4, "text-anchor": "end" }, fmtInt(v)),
      );
    }
    const labelEvery = Math.ceil(days.length / 14);
    days.forEach((day, i) => {
      const x = m.left + band * i + (band - barW) / 2;
      let base = 0;
      for (const s of series) {
        const v = s.values[day] || 0;
        if (v <= 0) continue;
        root.append(
          svg(
            "rect",
            {
              x: x.toFixed(1),
              y: y(base + v).toFixed(1),
              width: barW.toFixed(1),
              height: (y(base) - y(base + v)).toFixed(1),
              fill: s.color,
              class: "bar",
              testid: "sessions-bar-" + day.slice(0, 10) + "-" + s.id,
              "data-value": v,
            },
            svg("title", null, fmtDay(day) + " · " + s.name + ": " + fmtInt(v) + " sessions"),
          ),
        );
        base += v;
      }
      if (totals[i] > 0 && band >= 18) {
        root.append(
          svg(
            "text",
            { class: "bar-total", x: x + barW / 2, y: y(totals[i]) - 5, "text-anchor": "middle" },
            fmtInt(totals[i]),
          ),
        );
      }
      if (i % labelEvery === 0) {
        root.append(
          svg("text", { class: "axis", x: x + barW / 2, y: H - 8, "text-anchor": "middle" }, fmtDay(day)),
        );
      }
    });
    root.append(svg("line", { class: "baseline", x1: m.left, x2: W - m.right, y1: y(0), y2: y(0) }));
    return root;
  }

  /** Horizontal bars: rows [{label, value, text, color, testid}]. */
  function horizontalBars(rows, opts) {
    const W = opts.width;
    const rowH = 30;
    const labelW = opts.labelWidth || 130;
    const valueW = 70;
    const H = rows.length * rowH + 6;
    const max = Math.max(0, ...rows.map((r) => r.value)) || 1;
    const barMax = W - labelW - valueW - 8;
    const root = svg("svg", {
      class: "chart",
      viewBox: "0 0 " + W + " " + H,
      role: "img",
      "aria-label": opts.label,
      testid: opts.testid,
    });
    rows.forEach((r, i) => {
      const yTop = 3 + i * rowH;
      const w = Math.max(r.value > 0 ? 2 : 0, (r.value / max) * barMax);
      root.append(
        svg("text", { class: "hbar-label", x: labelW - 10, y: yTop + 19, "text-anchor": "end" }, r.label),
        svg("rect", { class: "hbar-track", x: labelW, y: yTop + 5, width: barMax, height: 18, rx: 4 }),
        svg(
          "rect",
          { x: labelW, y: yTop + 5, width: w.toFixed(1), height: 18, rx: 4, fill: r.color },
          svg("title", null, r.label + ": " + r.text),
        ),
        svg("text", { class: "hbar-value", x: labelW + barMax + 8, y: yTop + 19, testid: r.testid }, r.text),
      );
    });
    return root;
  }

  /** CSAT share per day: points [{day, share, ratings}] on a 0–100% axis. */
  function shareLine(points, opts) {
    const W = opts.width;
    const H = opts.height;
    const m = { top: 20, right: 16, bottom: 26, left: 42 };
    const plotW = W - m.left - m.right;
    const plotH = H - m.top - m.bottom;
    const t0 = Date.parse(opts.from);
    const t1 = Math.max(t0 + DAY_MS, Date.parse(opts.to) - DAY_MS / 2);
    const x = (iso) => m.left + ((Date.parse(iso) + DAY_MS / 2 - t0) / (t1 - t0 + DAY_MS / 2)) * plotW;
    const y = (share) => m.top + plotH - share * plotH;
    const root = svg("svg", {
      class: "chart",
      viewBox: "0 0 " + W + " " + H,
      role: "img",
      "aria-label": opts.label,
      testid: opts.testid,
    });
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      root.append(
        svg("line", { class: "gridline", x1: m.left, x2: W - m.right, y1: y(v), y2: y(v) }),
        svg("text", { class: "axis", x: m.left - 6, y: y(v) + 4, "text-anchor": "end" }, fmtPct(v)),
      );
    }
    const path = points
      .map((p, i) => (i === 0 ? "M" : "L") + x(p.day).toFixed(1) + " " + y(p.share).toFixed(1))
      .join(" ");
    if (points.length > 1) root.append(svg("path", { class: "line", d: path }));
    const labelEvery = Math.ceil(points.length / 8);
    points.forEach((p, i) => {
      const cx = x(p.day);
      const cy = y(p.share);
      root.append(
        svg(
          "circle",
          { class: "point", cx: cx.toFixed(1), cy: cy.toFixed(1), r: 4.5, testid: "csat-point-" + p.day.slice(0, 10) },
          svg("title", null, fmtDay(p.day) + ": " + fmtPct(p.share) + " satisfied of " + fmtInt(p.ratings) + " ratings"),
        ),
      );
      if (i % labelEvery === 0) {
        root.append(
          svg("text", { class: "point-label", x: cx, y: cy - 9, "text-anchor": "middle" }, fmtPct(p.share)),
          svg("text", { class: "axis", x: cx, y: H - 8, "text-anchor": "middle" }, fmtDay(p.day)),
        );
      }
    });
    return root;
  }

  // ---------------------------------------------------------------- overview

  function rangeFrom(params) {
    const from = params.get("from");
    const to = params.get("to");
    if (from || to) return { preset: null, from, to };
    const preset = PRESETS.find((p) => p.id === params.get("range")) || PRESETS[1];
    return { preset: preset.id, ms: preset.ms };
  }

  /** The range to ask the API for right now (rolling presets move with the clock). */
  function resolveRange(range) {
    if (!range.preset) return { from: range.from, to: range.to };
    const now = new Date();
    return { from: isoSeconds(new Date(now.getTime() - range.ms)), to: isoSeconds(now) };
  }

  /** Every UTC midnight from the day of `from` up to (not including) `to`. */
  function daysBetween(from, to) {
    const start = Date.parse(from);
    const end = Date.parse(to);
    const days = [];
    if (!isFinite(start) || !isFinite(end)) return days;
    for (let t = Math.floor(start / DAY_MS) * DAY_MS; t < end && days.length < 400; t += DAY_MS) {
      days.push(new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z"));
    }
    return days;
  }

  function dateInputValue(iso) {
    return iso ? iso.slice(0, 10) : "";
  }

  function addDays(date, n) {
    const t = Date.parse(date + "T00:00:00Z");
    return new Date(t + n * DAY_MS).toISOString().slice(0, 10);
  }

  function buildControls(tenants, tenant, range, params) {
    const go = (changes) => {
      const next = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) next.delete(k);
        else next.set(k, v);
      }
      navigate("/", next);
    };
    const select = el(
      "select",
      { testid: "tenant-picker", "aria-label": "Tenant" },
      tenants.map((t) => el("option", { value: t, selected: t === tenant }, t)),
    );
    select.addEventListener("change", () => go({ tenant: select.value }));
    const presets = el(
      "div",
      { class: "segmented", role: "group", "aria-label": "Time range" },
      PRESETS.map((p) =>
        el(
          "button",
          {
            type: "button",
            class: range.preset === p.id ? "active" : "",
            "aria-pressed": range.preset === p.id ? "true" : "false",
            onclick: () => go({ range: p.id, from: null, to: null }),
          },
          p.label,
        ),
      ),
    );
    // A rolling range shows the days it covers now, as a starting point for a fixed one.
    const today = new Date().toISOString().slice(0, 10);
    const fromInput = el("input", {
      type: "date",
      "aria-label": "From (UTC)",
      value: range.preset ? resolveRange(range).from.slice(0, 10) : dateInputValue(range.from),
    });
    const throughInput = el("input", {
      type: "date",
      "aria-label": "Through (UTC, inclusive)",
      value: range.preset ? today : range.to ? addDays(dateInputValue(range.to), range.to.length > 10 ? 0 : -1) : "",
    });
    const custom = el(
      "form",
      { class: "custom-range" + (range.preset ? "" : " active") },
      fromInput,
      el("span", { class: "muted" }, "to"),
      throughInput,
      el("button", { type: "submit" }, "Apply"),
    );
    custom.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!fromInput.value || !throughInput.value) return;
      go({ range: null, from: fromInput.value, to: addDays(throughInput.value, 1) });
    });
    controls.replaceChildren(
      el("label", { class: "control" }, el("span", null, "Tenant"), select),
      presets,
      custom,
    );
  }

  function platformOrder(ids) {
    const known = Object.keys(PLATFORMS);
    return [...ids].sort((a, b) => {
      const ia = known.indexOf(a);
      const ib = known.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      return a < b ? -1 : a > b ? 1 : 0;
    });
  }

  function overviewPage(params) {
    const range = rangeFrom(params);
    const requested = params.get("tenant");
    remember(OVERVIEW_KEY, location.hash);

    const title = el("h1", { testid: "page-title" }, "Overview");
    const rangeText = el("p", { class: "page-sub", testid: "range-label" }, "");
    const kpis = {
      sessions: kpi("Sessions", "sessions-total"),
      frtMedian: kpi("Median first response", "frt-median"),
      frtP90: kpi("p90 first response", "frt-p90"),
      unread: kpi("Chats unread now", "unread-count"),
      agents: kpi("Agents online now", "agents-online"),
      csat: kpi("CSAT (satisfied)", "csat-share"),
    };
    const sessionsChart = panel("Sessions per day by platform", {
      span: 8,
      testid: "panel-sessions-per-day",
      subtitle: "Sessions by the UTC day they started",
    });
    const agentsPanel = panel("Agents", {
      span: 4,
      testid: "panel-agents",
      subtitle: "Status now, and hours per status in the range",
    });
    const unreadPanel = panel("Chats unread now", {
      span: 12,
      testid: "panel-unread",
      subtitle: "Open chats whose contact messages nobody has read or answered, oldest first (now, whatever the range)",
    });
    const csatPanel = panel("Customer satisfaction", {
      span: 12,
      testid: "panel-csat",
      subtitle: "Share of ratings at or above 0.75 on a 0–1 scale (4–5 of 5, thumbs up)",
    });
    const sessionsPanel = panel("Sessions", {
      span: 12,
      testid: "panel-sessions",
      subtitle: "Newest first; open one for its timeline",
    });
    const root = el(
      "div",
      { class: "page overview" },
      el("div", { class: "page-head" }, title, rangeText),
      el("div", { class: "kpis" }, Object.values(kpis).map((k) => k.root)),
      el(
        "div",
        { class: "grid" },
        sessionsChart.root,
        agentsPanel.root,
        unreadPanel.root,
        csatPanel.root,
        sessionsPanel.root,
      ),
    );

    let limit = PAGE_SIZE;
    let controlsKey = null;
    const page = {
      root,
      updatedAt: null,
      async refresh() {
        const { tenants } = await api("tenants");
        if (!tenants.length) {
          controls.replaceChildren();
          app.replaceChildren(
            el(
              "div",
              { class: "page" },
              emptyState(
                "no-tenants",
                "No data yet",
                "This token may read tenants, but none of them has sessions, agent status or ratings in the store yet. " +
                  "Send webhooks to the ingress role, or run `chatstream dev` (it simulates traffic), and this page fills in within seconds.",
              ),
            ),
          );
          return;
        }
        const tenant = requested || tenants[0];
        if (!requested) {
          const next = new URLSearchParams(params.toString());
          next.set("tenant", tenant);
          history.replaceState(null, "", location.pathname + location.search + hashFor("/", next));
          params = next;
          remember(OVERVIEW_KEY, location.hash);
        }
        if (app.firstChild !== root) app.replaceChildren(root);
        const newControlsKey = JSON.stringify([tenants, tenant, range]);
        if (newControlsKey !== controlsKey) {
          controlsKey = newControlsKey;
          buildControls(tenants.includes(tenant) ? tenants : [tenant, ...tenants], tenant, range, params);
        }
        const span = resolveRange(range);
        const filters = { tenant, from: span.from, to: span.to };
        const [summary, sessions] = await Promise.all([
          api("summary", filters),
          api("sessions", Object.assign({ limit: String(limit) }, filters)),
        ]);
        title.textContent = "Overview · " + summary.tenant;
        rangeText.textContent = "Sessions started between " + fmtRange(summary.from, summary.to);
        renderKpis(kpis, summary);
        renderSessionsChart(sessionsChart, summary);
        renderAgents(agentsPanel, summary);
        renderUnread(unreadPanel, summary);
        renderCsat(csatPanel, summary);
        renderSessions(sessionsPanel, summary, sessions, limit, () => {
          limit = Math.min(1000, limit + PAGE_SIZE);
          tick(generation);
        });
        page.updatedAt = fmtClock(new Date().toISOString()) + " UTC";
      },
    };
    return page;
  }

  function renderKpis(k, s) {
    const platforms = new Set(s.sessions.per_day.map((r) => r.platform));
    const names = platformOrder(platforms).map((p) => platformInfo(p).name);
    k.sessions.set(
      fmtInt(s.sessions.total),
      names.length > 2 ? "on " + names.length + " platforms" : names.length ? "on " + names.join(" and ") : "none in this range",
    );
    const fr = s.first_response;
    const replied = fr.sessions_replied
      ? "of " + plural(fr.sessions_replied, "replied session")
      : "no session with an agent reply";
    k.frtMedian.set(fmtDuration(fr.median_seconds), replied);
    k.frtP90.set(fmtDuration(fr.p90_seconds), fr.sessions_replied ? "90% answered within this" : replied);
    const u = s.unread_now;
    k.unread.set(
      fmtInt(u.chats),
      u.chats ? "oldest waiting " + fmtDuration(u.oldest_waiting_seconds) : "nobody is waiting",
      u.chats ? (u.oldest_waiting_seconds > 3600 ? "bad" : "warn") : "good",
    );
    const known = s.agents.current.reduce((sum, c) => sum + c.agents, 0);
    k.agents.set(fmtInt(s.agents.online_now), known ? "of " + fmtInt(known) + " with a known status" : "no agent status known");
    const r = s.ratings;
    k.csat.set(
      fmtPct(r.csat_share),
      r.count ? "of " + fmtInt(r.count) + (r.count === 1 ? " rating" : " ratings") : "no ratings in this range",
    );
  }

  function renderSessionsChart(p, s) {
    const days = daysBetween(s.from, s.to);
    const byPlatform = new Map();
    for (const row of s.sessions.per_day) {
      if (!byPlatform.has(row.platform)) byPlatform.set(row.platform, {});
      const dayKey = days.find((d) => d === row.day) || row.day;
      const values = byPlatform.get(row.platform);
      values[dayKey] = (values[dayKey] || 0) + row.sessions;
    }
    const series = platformOrder(byPlatform.keys()).map((id, i) => {
      const info = platformInfo(id, i);
      return { id, name: info.name, color: info.color, values: byPlatform.get(id) };
    });
    p.update(JSON.stringify([s.from, s.to, s.sessions]), () => {
      if (!s.sessions.total) {
        return emptyState(
          "sessions-empty",
          "No sessions between " + fmtRange(s.from, s.to) + ".",
          "No session of " + s.tenant + " started in this range on any platform. Pick a longer range, or check that the ingress role receives webhooks.",
        );
      }
      const legend = el(
        "ul",
        { class: "legend" },
        series.map((ser) => {
          const total = Object.values(ser.values).reduce((a, b) => a + b, 0);
          return el(
            "li",
            null,
            el("span", { class: "swatch", style: "background:" + ser.color }),
            el("span", null, ser.name),
            el("strong", { testid: "sessions-platform-" + ser.id }, fmtInt(total)),
          );
        }),
      );
      return el(
        "div",
        null,
        legend,
        stackedBars(days, series, {
          width: 880,
          height: 250,
          label: "Sessions per day by platform",
          testid: "sessions-chart",
        }),
      );
    });
  }

  function renderAgents(p, s) {
    const a = s.agents;
    p.update(JSON.stringify([a, s.sessions.per_day.map((r) => r.platform)]), () => {
      const now =
        a.current.length === 0
          ? emptyState(
              "agents-now-empty",
              "No agent status known for " + s.tenant + ".",
              "LiveChat, Chatwoot and Userlike report agent status; Freshchat sends none, and agents appear here after their first status change.",
            )
          : el(
              "ul",
              { class: "status-list" },
              a.current.map((c, i) =>
                el(
                  "li",
                  null,
                  el("span", { class: "swatch", style: "background:" + statusColor(c.status, i) }),
                  el("span", null, statusLabel(c.status)),
                  el("strong", { testid: "agents-now-" + c.status }, fmtInt(c.agents)),
                ),
              ),
            );
      const hours =
        a.hours_by_status.length === 0
          ? emptyState(
              "hours-empty",
              "No agent status time between " + fmtRange(s.from, s.to) + ".",
              "Hours are counted from status changes; none of this tenant's agents had a known status in the range.",
            )
          : horizontalBars(
              a.hours_by_status.map((h, i) => ({
                label: statusLabel(h.status),
                value: h.hours,
                text: fmtHours(h.hours),
                color: statusColor(h.status, i),
                testid: "hours-" + h.status,
              })),
              { width: 420, labelWidth: 150, label: "Hours per status", testid: "hours-chart" },
            );
      return el(
        "div",
        { class: "agents" },
        el("h3", null, "Now"),
        now,
        el("h3", null, "Hours per status"),
        hours,
      );
    });
  }

  function ageTone(seconds) {
    if (seconds > 86400) return "bad";
    if (seconds > 900) return "warn";
    return "ok";
  }

  function renderUnread(p, s) {
    const u = s.unread_now;
    p.setAside(el("span", { class: "count-pill" }, fmtInt(u.chats) + " waiting"));
    p.update(JSON.stringify([s.tenant, u]), () => {
      if (!u.chats) {
        return emptyState(
          "unread-empty",
          "No chat is waiting.",
          "Every open chat's contact messages have been read or answered by an agent (ended sessions do not count).",
        );
      }
      const rows = u.items.map((item) => {
        const link = item.session_id
          ? el("a", { href: sessionHash(s.tenant, item.platform, item.chat_id, item.session_id) }, item.chat_id)
          : el("span", null, item.chat_id);
        return el(
          "tr",
          { testid: "unread-row-" + item.platform + "/" + item.chat_id },
          el("td", null, el("span", { class: "age tone-" + ageTone(item.waiting_seconds), testid: "unread-age" }, fmtDuration(item.waiting_seconds))),
          el("td", null, platformBadge(item.platform)),
          el("td", { class: "mono" }, clip(link, item.chat_id)),
          el("td", { class: "num", testid: "unread-unread" }, item.unread_count === null ? "—" : fmtInt(item.unread_count)),
          el("td", { class: "num", testid: "unread-unanswered" }, item.unanswered_count === null ? "—" : fmtInt(item.unanswered_count)),
          el("td", null, fmtShort(item.waiting_since)),
          el("td", null, item.assigned_agent_id ? clip(item.assigned_agent_id, item.assigned_agent_id) : el("span", { class: "muted" }, "nobody")),
        );
      });
      return el(
        "div",
        null,
        table(["Waiting", "Platform", "Chat", "Unread", "Unanswered", "Waiting since (UTC)", "Assigned"], rows, [
          "",
          "",
          "",
          "num",
          "num",
          "",
          "",
        ]),
        u.chats > u.items.length
          ? el("p", { class: "table-note" }, "Showing the " + u.items.length + " oldest of " + fmtInt(u.chats) + " waiting chats.")
          : null,
        el("p", { class: "table-note" }, "Unread: contact messages after the agents' last read receipt (— when the platform sends no read receipts, like Freshchat). Unanswered: contact messages after the last agent reply."),
      );
    });
  }

  function renderCsat(p, s) {
    const r = s.ratings;
    p.update(JSON.stringify([s.from, s.to, r, s.sessions.per_day.map((x) => x.platform)]), () => {
      if (!r.count) {
        const platforms = new Set(s.sessions.per_day.map((x) => x.platform));
        let why;
        if (platforms.size && [...platforms].every((x) => x === "freshchat")) {
          why = "Freshchat sends no ratings, and every session in this range is on Freshchat.";
        } else if (!s.sessions.total) {
          why = "There are no sessions in this range either. (Freshchat sends no ratings; LiveChat, Chatwoot and Userlike do when a contact rates a chat.)";
        } else {
          why = "No contact rated a chat in this range. Freshchat sends no ratings; LiveChat, Chatwoot and Userlike do when a contact rates.";
        }
        return emptyState("ratings-empty", "No ratings between " + fmtRange(s.from, s.to) + ".", why);
      }
      const summary = el(
        "div",
        { class: "csat-summary" },
        el("div", null, el("span", { class: "big", testid: "csat-share-detail" }, fmtPct(r.csat_share)), el("span", { class: "muted" }, " satisfied")),
        el("div", null, el("strong", { testid: "ratings-count" }, fmtInt(r.count)), el("span", { class: "muted" }, r.count === 1 ? " rating" : " ratings")),
        el("div", null, el("span", { class: "muted" }, "average score "), el("strong", { testid: "ratings-average" }, fmtScore(r.average_normalized_score))),
      );
      const trend = shareLine(
        r.trend.map((t) => ({ day: t.day, share: t.csat_share, ratings: t.ratings })),
        { width: 760, height: 190, from: s.from, to: s.to, label: "CSAT per day", testid: "csat-trend" },
      );
      const distribution = horizontalBars(
        r.distribution.map((d) => ({
          label: "score " + fmtScore(d.normalized_score),
          value: d.ratings,
          text: fmtInt(d.ratings),
          color: d.normalized_score >= 0.75 - 1e-9 ? "#1f9d55" : d.normalized_score >= 0.5 ? "#e0a100" : "#d9534f",
          testid: "rating-dist-" + fmtScore(d.normalized_score),
        })),
        { width: 520, labelWidth: 110, label: "Rating distribution", testid: "rating-distribution" },
      );
      return el(
        "div",
        { class: "csat" },
        el("div", null, summary, el("h3", null, "Satisfied share per day"), trend),
        el("div", null, el("h3", null, "Rating distribution (normalised: 0 = worst, 1 = best)"), distribution),
      );
    });
  }

  function table(headers, rows, classes) {
    return el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        null,
        el("thead", null, el("tr", null, headers.map((h, i) => el("th", { scope: "col", class: (classes && classes[i]) || null }, h)))),
        el("tbody", null, rows),
      ),
    );
  }

  /** Long ids cut with an ellipsis; the whole id in the tooltip. */
  function clip(content, title) {
    return el("span", { class: "clip", title }, content);
  }

  function platformBadge(platform) {
    const info = platformInfo(platform);
    return el("span", { class: "badge", style: "--badge:" + info.color }, info.name);
  }

  function statusBadge(status) {
    return el("span", { class: "status-badge status-" + String(status).replace(/[^a-z_]/g, "") }, statusLabel(status || "unknown"));
  }

  function renderSessions(p, s, page, limit, more) {
    p.setAside(el("span", { class: "count-pill" }, fmtInt(s.sessions.total) + " in range"));
    p.update(JSON.stringify([s.from, s.to, page, limit]), () => {
      if (!page.items.length) {
        return emptyState(
          "sessions-list-empty",
          "No sessions between " + fmtRange(s.from, s.to) + ".",
          "Sessions are listed by the time they started; none of " + s.tenant + "'s started in this range.",
        );
      }
      const rows = page.items.map((item) => {
        const href = sessionHash(item.tenant, item.platform, item.chat_id, item.session_id);
        const rating = item.rating_normalized;
        return el(
          "tr",
          { testid: "session-row-" + item.platform + "/" + item.chat_id + "/" + item.session_id, class: "clickable", onclick: (e) => { if (e.target.tagName !== "A") location.hash = href; } },
          el("td", null, el("a", { href, testid: "session-link" }, fmtShort(item.started_at))),
          el("td", null, platformBadge(item.platform)),
          el("td", { class: "mono" }, clip(item.chat_id, item.chat_id + " / " + item.session_id)),
          el("td", null, statusBadge(item.status)),
          el("td", { class: "num" }, fmtDuration(item.duration_seconds)),
          el("td", { class: "num", testid: "session-frt" }, fmtDuration(item.first_response_seconds)),
          el("td", { class: "num" }, fmtInt(item.messages_contact) + " / " + fmtInt(item.messages_agent)),
          el("td", null, item.last_agent_id ? clip(item.last_agent_id, item.last_agent_id) : el("span", { class: "muted" }, "—")),
          el("td", { class: "num" }, rating === null || rating === undefined ? el("span", { class: "muted" }, "—") : fmtScore(rating)),
        );
      });
      return el(
        "div",
        null,
        table(
          ["Started (UTC)", "Platform", "Chat", "Status", "Duration", "First response", "Messages contact / agent", "Agent", "Rating"],
          rows,
          ["", "", "", "", "num", "num", "num", "", "num"],
        ),
        el(
          "div",
          { class: "table-foot" },
          el("span", { class: "muted", testid: "sessions-shown" }, "Showing " + fmtInt(page.items.length) + " of " + fmtInt(s.sessions.total)),
          page.next_cursor && limit < 1000
            ? el("button", { type: "button", onclick: more }, "Show " + PAGE_SIZE + " more")
            : null,
        ),
      );
    });
  }

  // ---------------------------------------------------------------- session page

  function sessionPage(tenant, platform, chatId, sessionId) {
    const back = recall(OVERVIEW_KEY) || "#/?tenant=" + encodeURIComponent(tenant);
    const head = el(
      "div",
      { class: "page-head" },
      el("a", { class: "back", href: back, testid: "back-link" }, "← Overview"),
      el("h1", { testid: "page-title" }, "Session " + sessionId),
      el("p", { class: "page-sub" }, platformBadge(platform), " chat ", el("span", { class: "mono" }, chatId), " · tenant " + tenant),
    );
    const facts = panel("Summary", { span: 12, testid: "panel-session" });
    const agents = panel("Agents", { span: 4, testid: "panel-session-agents", subtitle: "Everyone who took part" });
    const timeline = panel("Timeline", {
      span: 8,
      testid: "panel-timeline",
      subtitle: "Every event of the session in order, times in UTC; the bar shows who acted: contact (blue), agent (green), bot (purple), system (grey)",
    });
    const root = el("div", { class: "page session" }, head, el("div", { class: "grid grid-top" }, facts.root, timeline.root, agents.root));
    controls.replaceChildren();
    const page = {
      root,
      updatedAt: null,
      async refresh() {
        let data;
        try {
          data = await api(
            "sessions/" + [tenant, platform, chatId, sessionId].map(encodeURIComponent).join("/"),
            {},
          );
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) {
            if (app.firstChild !== root) app.replaceChildren(root);
            facts.update("404", () =>
              emptyState(
                "session-missing",
                "No such session in the store.",
                "The API has no session " + sessionId + " of chat " + chatId + " on " + platformInfo(platform).name + " for tenant " + tenant + ". If it just started, it appears once its events are projected; this page retries every 5 s.",
              ),
            );
            timeline.update("404", () => el("p", { class: "muted" }, "No events."));
            agents.update("404", () => el("p", { class: "muted" }, "No agents."));
            page.updatedAt = fmtClock(new Date().toISOString()) + " UTC";
            return;
          }
          throw e;
        }
        if (app.firstChild !== root) app.replaceChildren(root);
        renderSessionFacts(facts, data.session);
        renderSessionAgents(agents, data.agents);
        renderTimeline(timeline, data.session, data.timeline);
        page.updatedAt = fmtClock(new Date().toISOString()) + " UTC";
      },
    };
    return page;
  }

  function fact(label, value, testid, hint) {
    return el(
      "div",
      { class: "fact" },
      el("dt", null, label),
      el("dd", null, el("span", { testid }, value), hint ? el("span", { class: "fact-hint" }, hint) : null),
    );
  }

  function renderSessionFacts(p, s) {
    p.update(JSON.stringify(s), () =>
      el(
        "dl",
        { class: "facts" },
        fact("Status", statusBadge(s.status), "session-status", s.ended_by ? "ended by " + s.ended_by : null),
        fact("Started (UTC)", fmtDateTime(s.started_at), "session-started"),
        fact("Ended (UTC)", s.ended_at ? fmtDateTime(s.ended_at) : "still open", "session-ended"),
        fact("Duration", fmtDuration(s.duration_seconds), "session-duration"),
        fact(
          "First response",
          fmtDuration(s.first_response_seconds),
          "session-frt",
          s.first_contact_message_at
            ? "contact " + fmtClock(s.first_contact_message_at) + (s.first_agent_reply_at ? " → agent " + fmtClock(s.first_agent_reply_at) : " → no agent reply yet")
            : "no contact message",
        ),
        fact(
          "Messages",
          el(
            "span",
            null,
            el("span", { testid: "session-messages-contact" }, fmtInt(s.messages_contact)),
            " / ",
            el("span", { testid: "session-messages-agent" }, fmtInt(s.messages_agent)),
            " / ",
            el("span", { testid: "session-messages-bot" }, fmtInt(s.messages_bot)),
          ),
          "session-messages",
          "contact / agent / bot, and " + plural(s.internal_notes, "internal note"),
        ),
        fact("Agents", fmtInt(s.agents_involved), "session-agents", s.first_agent_id ? (s.first_agent_id === s.last_agent_id ? s.first_agent_id : s.first_agent_id + " → " + s.last_agent_id) : "none"),
        fact("Transfers", fmtInt(s.transfers), "session-transfers"),
        fact("Tags", s.tags ? s.tags.split(",").join(", ") : "none", "session-tags"),
        fact(
          "Rating",
          s.rating_normalized === null || s.rating_normalized === undefined ? "not rated" : fmtScore(s.rating_normalized),
          "session-rating",
          s.rated_at ? "normalised 0–1, rated " + fmtShort(s.rated_at) : null,
        ),
        fact("Contact", s.contact_id || "unknown", "session-contact"),
        fact("Group", s.group_id || "none", "session-group"),
      ),
    );
  }

  function renderSessionAgents(p, agents) {
    p.update(JSON.stringify(agents), () => {
      if (!agents.length) {
        return emptyState("session-agents-empty", "No agent took part.", "No agent was assigned, wrote or joined in this session.");
      }
      return el(
        "ul",
        { class: "agent-cards" },
        agents.map((a) =>
          el(
            "li",
            { testid: "agent-row-" + a.agent_id },
            el("div", { class: "agent-name" }, a.agent_id, a.assigned ? el("span", { class: "chip" }, "assigned") : null),
            el(
              "div",
              { class: "muted" },
              plural(a.messages, "message") + " · " + plural(a.internal_notes, "internal note"),
            ),
            el("div", { class: "muted" }, "involved " + fmtClock(a.first_involved_at) + " – " + fmtClock(a.last_involved_at)),
          ),
        ),
      );
    });
  }

  function renderTimeline(p, session, events) {
    p.setAside(el("span", { class: "count-pill", testid: "timeline-count" }, fmtInt(events.length) + " events"));
    p.update(JSON.stringify(events), () => {
      if (!events.length) {
        return emptyState("timeline-empty", "No events.", "The session exists but none of its events is in the timeline yet.");
      }
      const start = Date.parse(session.started_at);
      return el(
        "ol",
        { class: "timeline" },
        events.map((e) => {
          const offset = (Date.parse(e.occurred_at) - start) / 1000;
          return el(
            "li",
            { testid: "timeline-row-" + e.seq, class: "role-" + String(e.actor_role).replace(/[^a-z]/g, "") + (e.internal ? " internal" : "") },
            el("span", { class: "tl-time" }, fmtClock(e.occurred_at), el("small", null, fmtOffset(offset))),
            el("span", { class: "tl-kind" }, statusLabel(e.kind)),
            el(
              "span",
              { class: "tl-body" },
              el("span", { class: "tl-summary" }, e.summary),
              el("span", { class: "tl-actor" }, e.actor_role + (e.actor_id ? " " + e.actor_id : "")),
              e.internal ? el("span", { class: "chip chip-warn" }, "internal") : null,
            ),
          );
        }),
      );
    });
  }

  // ---------------------------------------------------------------- main

  function notFound(path) {
    controls.replaceChildren();
    app.replaceChildren(
      el("div", { class: "page" }, emptyState("not-found", "There is no page " + path + ".", "Open the overview instead."), el("a", { href: "#/" }, "← Overview")),
    );
  }

  function route() {
    const { path, params } = readHash();
    if (!getToken()) {
      showTokenForm(null);
      return;
    }
    if (path === "/") {
      start(overviewPage(params));
      return;
    }
    const parts = path.split("/");
    if (parts[1] === "session" && parts.length === 6) {
      let decoded;
      try {
        decoded = parts.slice(2).map(decodeURIComponent);
      } catch (_) {
        decoded = null;
      }
      if (decoded) {
        window.scrollTo(0, 0);
        start(sessionPage(decoded[0], decoded[1], decoded[2], decoded[3]));
        return;
      }
    }
    stopRefresh();
    notFound(path);
  }

  // A broken script or a resource the browser refused is said on the page, not only in the console.
  window.addEventListener("error", (event) => reportProblem("The dashboard hit an error: " + event.message + "."));
  window.addEventListener("unhandledrejection", (event) =>
    reportProblem("The dashboard hit an error: " + (event.reason && event.reason.message ? event.reason.message : event.reason) + "."),
  );
  document.addEventListener("securitypolicyviolation", (event) =>
    reportProblem("The browser refused " + (event.blockedURI || "inline content") + " (" + event.violatedDirective + ")."),
  );
  window.addEventListener("hashchange", route);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && current) tick(generation);
  });
  route();
})();
