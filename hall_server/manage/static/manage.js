// The managers' dashboard: signs in, follows the hall live over /ws (snapshot + events) and redraws in
// place (no reload); the sync panel reads /api/v1/sync on a timer. The work views (works.js) hear of the
// session and of every hall event through the document's `manage:*` events (see announce()).
// Text from the server is only ever set as textContent, never parsed as HTML.
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "yimen.manage.token";
const HALL_KEY = "yimen.manage.hall"; // a regional account: the hall (code) chosen in the selector
const MANAGER_ROLES = new Set(["manager", "admin"]);
const config = {
  refreshMs: Number(document.body.dataset.refreshMs) || 5000,
  lagWarnSeconds: Number(document.body.dataset.lagWarnSeconds) || 300,
  timezone: document.body.dataset.timezone || "Asia/Shanghai",
};
const KIND_LABELS = { "hall-sync-rest": "接口推送 hall-sync/1", "front-table": "前置库交换" };
const EVENT_GROUPS = [
  ["queue.", "排队叫号"], ["appointment.", "预约"], ["case.", "办件"],
  ["result.", "出件"], ["evaluation.", "好差评"],
];

const $ = (id) => document.getElementById(id);
let timer = null;
let lastGood = null; // when the server last answered
const reconciled = new Map(); // target → what its last on-demand reconciliation found

class HttpError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
  }
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const hall = sessionStorage.getItem(HALL_KEY);
  if (hall) headers["X-Yimen-Hall"] = hall;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new HttpError(response.status, data);
  return data;
}

// --- formatting ------------------------------------------------------------------------------------------

const timeFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: config.timezone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});
const dayTimeFormat = new Intl.DateTimeFormat("zh-CN", {
  timeZone: config.timezone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  second: "2-digit", hour12: false,
});

function clock(moment) { // an ISO string from the server or a Date
  return moment ? timeFormat.format(new Date(moment)) : "—";
}

function when(iso) {
  return iso ? dayTimeFormat.format(new Date(iso)) : "—";
}

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} 秒`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} 分 ${s % 60} 秒`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} 小时 ${m % 60} 分`;
  return `${Math.floor(h / 24)} 天 ${h % 24} 小时`;
}

function eventLabel(type) {
  const group = EVENT_GROUPS.find(([prefix]) => type.startsWith(prefix));
  return group ? group[1] : "其他";
}

// Managers read the Chinese summary; the technical text stays beside it for whoever fixes the cause.
const ERROR_SUMMARIES = [
  [/ConnectError|Connection refused|Name or service not known/, "无法连接平台"],
  [/Timeout/, "平台响应超时"],
  [/RemoteProtocolError|ReadError|WriteError/, "连接被中断"],
  [/^HTTP 429/, "平台限流，按平台要求稍后重试"],
  [/unreadable answer|UNREADABLE_ANSWER/, "平台应答无法识别，请核对平台接口是否为 hall-sync/1"],
  [/^HTTP 401/, "平台拒绝了本大厅的签名，请核对应用编号、密钥和本机时间"],
  [/^HTTP 403/, "平台无权接收此事件"],
  [/^HTTP (400|404|409|413|422)/, "平台拒收此事件"],
  [/^HTTP 5\d\d/, "平台服务异常"],
  [/^exchange database/, "前置库无法写入"],
];

function explainError(text) {
  if (!text) return "未知原因";
  const known = ERROR_SUMMARIES.find(([pattern]) => pattern.test(text));
  return known ? `${known[1]}（${text}）` : text;
}

function health(target) {
  if (/^HTTP 401/.test(target.oldest_error)) return ["bad", "签名被拒"];  // will not heal by itself
  if (target.dead > 0) return ["bad", "有拒收"];
  if (target.backlog > 0 && target.lag_seconds >= config.lagWarnSeconds) return ["bad", "积压"];
  if (target.oldest_attempts > 0) return ["warn", "重试中"];
  if (target.backlog > 0) return ["ok", "发送中"];
  return ["ok", "正常"];
}

// --- rendering -------------------------------------------------------------------------------------------

function setText(root, selector, text) {
  root.querySelector(selector).textContent = text;
}

function renderTarget(target) {
  const card = $("target-card").content.firstElementChild.cloneNode(true);
  const [level, label] = health(target);
  card.dataset.target = target.target;
  card.classList.add(level);
  setText(card, ".t-name", target.target);
  setText(card, ".t-kind", KIND_LABELS[target.kind] || target.kind);
  setText(card, ".badge", label);
  setText(card, ".t-backlog", target.backlog.toLocaleString("zh-CN"));
  setText(card, ".t-lag", target.backlog > 0 ? duration(target.lag_seconds) : "无");
  setText(card, ".t-dead", target.dead.toLocaleString("zh-CN"));
  setText(card, ".t-delivered", target.delivered_today.toLocaleString("zh-CN"));
  card.querySelector(".t-lag").classList.toggle("over", target.lag_seconds >= config.lagWarnSeconds);
  setText(card, ".t-last", target.last_delivered_at ? `最近送达 ${when(target.last_delivered_at)}` : "尚无送达记录");
  let why = "";
  if (target.backlog > 0 && target.oldest_attempts > 0) {
    why = `最早一条（${when(target.oldest_undelivered_at)} 发生）已尝试 ${target.oldest_attempts} 次：`
      + explainError(target.oldest_error);
    if (target.oldest_next_attempt_at) why += `；下次重试 ${clock(target.oldest_next_attempt_at)}`;
  } else if (target.backlog > 0 && target.dead > 0) {
    why = "部分事件排在拒收事件之后，重新投递后继续发送";
  } else if (target.backlog > 0 && target.lag_seconds >= 60) {
    why = "最早一条尚未开始发送，请确认同步进程（yimen server 或 yimen sync）在运行";
  }
  setText(card, ".t-why", why);
  card.querySelector(".t-why").hidden = !why;
  setText(card, ".t-reconciled", reconciled.get(target.target) || "");
  card.querySelector(".reconcile").addEventListener("click", () => reconcile(target.target));
  return card;
}

function renderDeadRow(letter) {
  const row = document.createElement("tr");
  row.dataset.eventId = letter.event_id;
  const cells = [
    when(letter.occurred_at),
    letter.hall_code || "—",
    `${eventLabel(letter.event_type)} ${letter.event_type}`,
    letter.aggregate,
    letter.target,
    String(letter.attempts),
    letter.last_error,
  ];
  for (const text of cells) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  const action = document.createElement("td");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "replay";
  button.textContent = "重新投递";
  button.addEventListener("click", () => replay({ event_ids: [letter.event_id], target: letter.target }));
  action.append(button);
  row.append(action);
  return row;
}

function renderSync(status, dead) {
  $("sync-none").hidden = status.targets.length > 0;
  $("targets").replaceChildren(...status.targets.map(renderTarget));
  const totalDead = status.targets.reduce((sum, t) => sum + t.dead, 0);
  $("dead-section").hidden = totalDead === 0;
  $("dead-total").textContent = `共 ${totalDead} 条`;
  $("dead-rows").replaceChildren(...dead.map(renderDeadRow));
  $("dead-more").hidden = dead.length >= totalDead;
  $("dead-more").textContent = `仅列出最早的 ${dead.length} 条。`;
}

// --- live reading ----------------------------------------------------------------------------------------

function showOffline(message) {
  const banner = $("offline");
  banner.textContent = message;
  banner.hidden = false;
  document.body.classList.add("stale");
}

function showOnline() {
  $("offline").hidden = true;
  document.body.classList.remove("stale");
  $("updated").textContent = `数据更新于 ${clock(new Date(lastGood.getTime() + hallState.offsetMs))}`;
}

async function refresh() {
  try {
    const status = await call("GET", "/sync/status");
    const anyDead = status.targets.some((t) => t.dead > 0);
    const dead = anyDead ? await call("GET", "/sync/dead?limit=200") : [];
    renderSync(status, dead);
    lastGood = new Date();
    showOnline();
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) {
      sessionExpired();
      return;
    }
    const since = lastGood ? `，显示的是 ${clock(new Date(lastGood.getTime() + hallState.offsetMs))} 的数据` : "";
    showOffline(error instanceof HttpError
      ? `${error.message}${since}`
      : `与大厅服务器的连接中断，正在重试${since}`);
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    await refresh();
    if (timer !== null) schedule();
  }, config.refreshMs);
}

// Tells the other parts of the page: "signed-in", "signed-out", "event" (detail: the event type).
function announce(name, detail) {
  document.dispatchEvent(new CustomEvent(`manage:${name}`, { detail }));
}

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(box.hideTimer);
  box.hideTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

async function replay(request) {
  try {
    const result = await call("POST", "/sync/replay", request);
    toast(`已重新排队 ${result.requeued} 条事件，等待发送`);
  } catch (error) {
    toast(error.message || "重新投递失败，请稍后再试");
  }
  await refresh();
}

function describeReconcile(report) {
  const counts = `${report.day}：本地 ${report.local_count} 条，平台 ${report.remote_count} 条`;
  if (report.matched) return `${counts}，一致`;
  const parts = [`${counts}，不一致`];
  if (report.requeued.length) parts.push(`已重新排队 ${report.requeued.length} 条补发`);
  if (report.unknown_remote.length) parts.push(`平台多出 ${report.unknown_remote.length} 条本大厅没有的事件`);
  return parts.join("；");
}

async function reconcile(target) {
  const query = new URLSearchParams({ target }); // the day: the hall's today
  try {
    const report = await call("POST", `/sync/reconcile?${query}`);
    reconciled.set(target, `对账 ${describeReconcile(report)}`);
    toast(`对账完成：${describeReconcile(report)}`);
  } catch (error) {
    toast(error.message || "对账失败，请稍后再试");
  }
  await refresh();
}

// --- the live hall: /ws snapshot + events ----------------------------------------------------------------
// The page follows the `hall` topic: a snapshot, then every event with seq = previous + 1. A gap means
// missed messages: it asks for a resync and applies the new snapshot. The day's totals (average wait,
// no-show rate…) are not in event messages: an event schedules one GET /load (debounced), never a timer.

const LOAD_DEBOUNCE_MS = 300;
const CHART_MIN_INTERVAL_MS = 10000;
const PING_EVERY_MS = 15000;
const SILENT_LIMIT_MS = 40000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 8000;
const WINDOW_STATES = { OPEN: ["开放", "ok"], PAUSED: ["暂停", "warn"], CLOSED: ["关闭", "off"] };
const PAUSE_REASONS = {
  BREAK: "休息", MEETING: "会议", BACK_OFFICE: "后台办理", SYSTEM: "系统故障", OTHER: "其他",
};
const ALERT_KINDS = {
  WAIT_TOO_LONG: "等候超时", QUEUE_TOO_LONG: "排队过长", SERVICE_TOO_LONG: "办理超时",
  IMBALANCE: "冷热不均", DEVICE_FAULT: "设备故障", DEVICE_SILENT: "设备失联", HELP_REQUESTED: "求助",
  CASE_OVERDUE: "办件超期", CASE_DUE_SOON: "办件临近超期",
};
const ACTIVE_TICKET = new Set(["CALLED", "SERVING"]);

const hallState = {
  categories: new Map(), // code → CategoryWaiting (+ CategoryLoad fields), with `at`: when it was true
  windows: new Map(), // number → WindowOut
  totals: null,
  offsetMs: 0, // the server's clock minus this browser's
  serviceDate: null,
  queueClosed: false,
  notice: "",
  alerts: [],
  alertsAvailable: true,
  lastEventAt: null,
};
const live = {
  socket: null, wanted: false, seq: new Map(), attempt: 0, reconnectTimer: null, lastMessageAt: 0,
  up: false,
};
let loadTimer = null;
let alertsTimer = null;
let devicesTimer = null;
let devicesPoll = null;
let chartTimer = null;
let chartFetchedAt = 0;
let ticker = null;
let heartbeat = null;
let statsAsked = false;
let catalogue = null; // GET /categories, fetched when first needed

function serverNow() {
  return Date.now() + hallState.offsetMs;
}

function learnServerTime(iso) {
  if (iso) hallState.offsetMs = Date.parse(iso) - Date.now();
}

function categoryName(code) {
  const known = hallState.categories.get(code) || (catalogue || []).find((c) => c.code === code);
  return known ? known.name : code;
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

function short(secondsValue) { // for tables and cards: 48分51秒, 2小时36分
  const s = Math.max(0, Math.round(secondsValue));
  if (s < 60) return `${s}秒`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}分${String(s % 60).padStart(2, "0")}秒`;
  return `${Math.floor(m / 60)}小时${String(m % 60).padStart(2, "0")}分`;
}

function seconds(value) {
  return value === null || value === undefined ? "—" : short(value);
}

function number(value) {
  return value === null || value === undefined ? "—" : Number(value).toLocaleString("zh-CN");
}

function setIf(element, text) { // no layout work when nothing changed
  if (element.textContent !== text) element.textContent = text;
}

async function fetchRaw(path) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const hall = sessionStorage.getItem(HALL_KEY);
  if (hall) headers["X-Yimen-Hall"] = hall;
  const response = await fetch(API + path, { headers, cache: "no-store" });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new HttpError(response.status, body);
  }
  return response;
}

function unavailable(error) {
  return error instanceof HttpError && (error.status === 404 || error.status === 405);
}

// categories

function mergeWaiting(list) {
  const at = Date.now();
  for (const item of list) {
    const known = hallState.categories.get(item.code) || {};
    hallState.categories.set(item.code, { ...known, ...item, at });
  }
}

function currentLongest(category) {
  if (!category.waiting) return 0;
  return category.longest_wait_seconds + (Date.now() - category.at) / 1000;
}

function categoryRow(code) {
  let row = $("category-rows").querySelector(`tr[data-code="${CSS.escape(code)}"]`);
  if (row) return row;
  row = document.createElement("tr");
  row.dataset.code = code;
  for (const name of ["name", "waiting", "longest", "open", "issued", "served", "noshow", "avgwait"]) {
    const cell = document.createElement(name === "name" ? "th" : "td");
    cell.className = `c-${name}`;
    if (name !== "name") cell.classList.add("num");
    row.append(cell);
  }
  $("category-rows").append(row);
  return row;
}

function renderCategories() {
  for (const category of hallState.categories.values()) {
    const row = categoryRow(category.code);
    setIf(row.querySelector(".c-name"), `${category.prefix} ${category.name}`);
    setIf(row.querySelector(".c-waiting"), number(category.waiting));
    setIf(row.querySelector(".c-open"), number(category.open_windows));
    setIf(row.querySelector(".c-issued"), number(category.issued_today));
    setIf(row.querySelector(".c-served"), number(category.served_today));
    setIf(row.querySelector(".c-noshow"), number(category.no_show_today));
    setIf(row.querySelector(".c-avgwait"), seconds(category.avg_wait_seconds_today));
    row.classList.toggle("unstaffed", category.waiting > 0 && category.open_windows === 0);
  }
  $("categories-none").hidden = hallState.categories.size > 0;
  tickCategories();
}

function tickCategories() {
  let longest = 0;
  for (const category of hallState.categories.values()) {
    const row = categoryRow(category.code);
    const wait = currentLongest(category);
    longest = Math.max(longest, wait);
    setIf(row.querySelector(".c-longest"), category.waiting ? short(wait) : "—");
  }
  const waiting = [...hallState.categories.values()].reduce((sum, c) => sum + (c.waiting || 0), 0);
  setIf($("kpi-waiting"), number(waiting));
  setIf($("kpi-longest"), waiting ? short(longest) : "—");
}

// windows

function windowCard(number) {
  let card = $("windows").querySelector(`.window[data-window="${number}"]`);
  if (card) return card;
  card = $("window-card").content.firstElementChild.cloneNode(true);
  card.dataset.window = String(number);
  card.id = `window-${number}`;
  card.querySelector(".w-open").id = `window-${number}-open`;
  card.querySelector(".w-close").id = `window-${number}-close`;
  card.querySelector(".w-edit").id = `window-${number}-categories`;
  card.querySelector(".w-open").addEventListener("click", () => windowAction(number, "open"));
  card.querySelector(".w-close").addEventListener("click", () => windowAction(number, "close"));
  card.querySelector(".w-edit").addEventListener("click", () => editCategories(number));
  const later = [...$("windows").children].find((c) => Number(c.dataset.window) > number);
  $("windows").insertBefore(card, later || null);
  return card;
}

function renderWindow(window) {
  const card = windowCard(window.number);
  const [label, level] = WINDOW_STATES[window.state] || [window.state, "off"];
  card.dataset.state = window.state;
  card.dataset.mayServe = (window.may_serve_codes || []).join(",");
  card.className = `window ${level}`;
  setIf(card.querySelector(".w-number"), `${window.number}号`);
  setIf(card.querySelector(".w-name"), window.name === `${window.number}号窗口` ? "" : window.name);
  const reason = window.state === "PAUSED" && window.pause_reason
    ? `·${PAUSE_REASONS[window.pause_reason] || window.pause_reason}` : "";
  setIf(card.querySelector(".w-state"), label + reason);
  setIf(card.querySelector(".w-staff"), window.staff_name || "—");
  const ticket = window.current_ticket;
  const ticketText = ticket ? `${ticket.number}${ticket.status === "SERVING" ? " 办理中" : " 已叫号"}` : "—";
  setIf(card.querySelector(".w-ticket"), ticketText);
  setIf(card.querySelector(".w-categories"), window.category_codes.map(categoryName).join("、") || "未分配业务");
  card.querySelector(".w-open").hidden = window.state !== "CLOSED";
  card.querySelector(".w-close").hidden = window.state === "CLOSED";
  tickWindow(card, window);
}

function tickWindow(card, window) {
  const since = window.state_since ? (serverNow() - Date.parse(window.state_since)) / 1000 : null;
  setIf(card.querySelector(".w-since"), since === null ? "—" : short(since));
}

function renderWindows() {
  for (const window of hallState.windows.values()) renderWindow(window);
  for (const card of [...$("windows").children]) {
    if (!hallState.windows.has(Number(card.dataset.window))) card.remove();
  }
  const all = [...hallState.windows.values()];
  $("windows-none").hidden = all.length > 0;
  const open = all.filter((w) => w.state === "OPEN").length;
  const paused = all.filter((w) => w.state === "PAUSED").length;
  setIf($("kpi-windows"), `${open} / ${paused} / ${all.length}`);
}

function renderTotals() {
  const totals = hallState.totals;
  if (!totals) return;
  setIf($("kpi-issued"), number(totals.issued_today));
  setIf($("kpi-served"), number(totals.served_today));
  setIf($("kpi-avg-wait"), seconds(totals.avg_wait_seconds_today));
  setIf($("kpi-avg-service"), seconds(totals.avg_service_seconds_today));
  setIf($("kpi-no-show-rate"),
    totals.issued_today ? percent(totals.no_show_today / totals.issued_today) : "—");
}

function renderDay() {
  setIf($("service-date"), hallState.serviceDate || "");
  $("day-state").hidden = !hallState.queueClosed;
  $("end-day").disabled = hallState.queueClosed;
  setIf($("notice-current"), hallState.notice || "（无）");
}

function tick() {
  tickCategories();
  for (const window of hallState.windows.values()) tickWindow(windowCard(window.number), window);
  setIf($("server-clock"), `大厅时间 ${clock(new Date(serverNow()))}`);
}

// applying what the server sends

function applySnapshot(snapshot) {
  learnServerTime(snapshot.as_of);
  setIf($("hall-name"), snapshot.hall_name);
  hallState.serviceDate = snapshot.service_date;
  hallState.queueClosed = snapshot.queue_closed_today;
  hallState.notice = snapshot.notice || "";
  hallState.categories.clear();
  $("category-rows").replaceChildren();
  mergeWaiting(snapshot.waiting);
  hallState.windows = new Map(snapshot.windows.map((w) => [w.number, w]));
  renderCategories();
  renderWindows();
  renderDay();
  tick();
  initStatsRange();
  if (!statsAsked) {
    statsAsked = true;
    runStats();
  }
  scheduleLoad(0);
  scheduleAlerts(0);
  scheduleDevices(0);
  scheduleFollowups(0);
  scheduleRatings(0);
  scheduleChart();
}

function applyTicket(ticket) {
  for (const window of hallState.windows.values()) {
    const current = window.current_ticket;
    const moved = !ACTIVE_TICKET.has(ticket.status) || ticket.window_no !== window.number;
    if (current && current.id === ticket.id && moved) {
      window.current_ticket = null;
    }
  }
  const window = ticket.window_no === null ? null : hallState.windows.get(ticket.window_no);
  if (window && ACTIVE_TICKET.has(ticket.status)) window.current_ticket = ticket;
}

function applyEvent(message) {
  const event = message.event;
  hallState.lastEventAt = event.occurred_at;
  if (message.waiting) mergeWaiting(message.waiting);
  if (message.ticket) applyTicket(message.ticket);
  if (message.window) hallState.windows.set(message.window.number, message.window);
  const type = event.event_type;
  if (type === "hall.notice.posted") hallState.notice = (event.data && event.data.notice) || "";
  if (type === "hall.day.ended") hallState.queueClosed = true;
  if (type === "hall.day.reopened") hallState.queueClosed = false;
  if (type.startsWith("hall.alert.") || type.startsWith("hall.help.") || type.startsWith("hall.device.")) {
    scheduleAlerts(0);
  }
  const alertKind = type.startsWith("hall.alert.") && event.data ? String(event.data.kind) : "";
  if (type.startsWith("hall.device.") || alertKind.startsWith("DEVICE_")) scheduleDevices(0);
  if (type === "hall.threshold.saved") loadThresholds();
  if (type.startsWith("evaluation_followup.")) scheduleFollowups(LOAD_DEBOUNCE_MS);
  if (type.startsWith("evaluation") || type === "queue.ticket.service_completed") {
    scheduleRatings(LOAD_DEBOUNCE_MS);  // a service to rate, a rating, a 差评's follow-up
  }
  renderCategories();
  renderWindows();
  renderDay();
  setIf($("live-status"), `实时 · 最近事件 ${clock(event.occurred_at)}`);
  scheduleLoad(LOAD_DEBOUNCE_MS);
  if (type.startsWith("queue.")) scheduleChart();
  announce("event", type);
}

async function fetchLoad() {
  loadTimer = null;
  try {
    const load = await call("GET", "/load");
    learnServerTime(load.as_of);
    hallState.serviceDate = load.service_date;
    hallState.queueClosed = load.queue_closed_today;
    hallState.totals = load.totals;
    mergeWaiting(load.categories);
    hallState.windows = new Map(load.windows.map((w) => [w.number, w]));
    renderCategories();
    renderWindows();
    renderTotals();
    renderDay();
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) sessionExpired();
    // Otherwise the live connection's state says what is wrong; the next event asks again.
  }
}

function scheduleLoad(delay) {
  if (loadTimer !== null) return; // one fetch per burst of events
  loadTimer = setTimeout(fetchLoad, delay);
}

// the hourly chart: an SVG drawn by the server, shown as an image (the page's CSP allows data: images)

async function fetchChart() {
  chartTimer = null;
  chartFetchedAt = Date.now();
  if (!hallState.serviceDate) return;
  try {
    const response = await fetchRaw(`/stats/hourly.svg?day=${hallState.serviceDate}`);
    const svg = await response.text();
    let image = $("hourly-chart").querySelector("img");
    if (!image) {
      image = document.createElement("img");
      image.id = "hourly-chart-image";
      image.alt = "今日分时段取号、平均等候和办结";
      $("hourly-chart").append(image);
    }
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    $("chart-unavailable").hidden = true;
    renderHourly(await call("GET", `/stats/hourly?day=${hallState.serviceDate}`));
  } catch (error) {
    if (unavailable(error)) {
      $("chart-unavailable").hidden = false;
      $("hourly-chart").replaceChildren();
    }
  }
}

function renderHourly(hourly) {
  // The hours with anything in them, as figures beside the chart.
  const busy = hourly.hours.filter((h) => h.arrivals || h.called || h.served || h.no_show);
  $("hourly-rows").replaceChildren(...busy.map((h) => {
    const row = document.createElement("tr");
    row.dataset.hour = String(h.hour);
    const cells = [`${h.hour}时`, number(h.arrivals), number(h.called), number(h.served), number(h.no_show),
      seconds(h.avg_wait_seconds)];
    cells.forEach((text, index) => {
      const cell = document.createElement(index ? "td" : "th");
      if (index) cell.className = "num";
      cell.textContent = text;
      row.append(cell);
    });
    return row;
  }));
}

function scheduleChart() {
  if (chartTimer !== null) return;
  const wait = Math.max(0, chartFetchedAt + CHART_MIN_INTERVAL_MS - Date.now());
  chartTimer = setTimeout(fetchChart, wait);
}

// the WebSocket

function liveUrl() {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
}

function showLive(up) {
  live.up = up;
  $("live-banner").hidden = up;
  document.body.classList.toggle("live-down", !up);
  const status = $("live-status");
  status.dataset.state = up ? "up" : "down";
  if (up) setIf(status, "实时");
  else setIf(status, "连接中断，正在重连…");
}

function send(message) {
  if (live.socket && live.socket.readyState === WebSocket.OPEN) {
    live.socket.send(JSON.stringify({ v: 1, ...message }));
  }
}

function onLiveMessage(message) {
  live.lastMessageAt = Date.now();
  if (message.type === "snapshot") {
    live.seq.set(message.topic, message.seq);
    live.attempt = 0;
    applySnapshot(message.snapshot);
    showLive(true);
  } else if (message.type === "event") {
    const last = live.seq.get(message.topic);
    if (last === undefined || message.seq <= last) return; // before its snapshot, or already applied
    if (message.seq !== last + 1) {
      live.seq.delete(message.topic);
      send({ type: "resync", topic: message.topic });
      return;
    }
    live.seq.set(message.topic, message.seq);
    applyEvent(message);
  } else if (message.type === "error") {
    toast(message.message);
  }
}

function dropSocket() {
  const socket = live.socket;
  live.socket = null;
  live.seq.clear();
  if (socket) {
    try { socket.close(); } catch (error) { /* already closed */ }
  }
}

function scheduleReconnect() {
  clearTimeout(live.reconnectTimer);
  if (!live.wanted) return;
  const backoff = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** live.attempt);
  const delay = backoff * (0.8 + Math.random() * 0.4); // jittered: pages do not all come back at once
  live.attempt += 1;
  live.reconnectTimer = setTimeout(connectLive, delay);
}

async function lostConnection(code) {
  showLive(false);
  if (code === 1008) { // refused: maybe the session ended
    try {
      await call("GET", "/auth/me");
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        sessionExpired();
        return;
      }
    }
  }
  scheduleReconnect();
}

function connectLive() {
  clearTimeout(live.reconnectTimer);
  if (!live.wanted) return;
  const token = sessionStorage.getItem(TOKEN_KEY);
  const socket = new WebSocket(liveUrl());
  live.socket = socket;
  live.lastMessageAt = Date.now();
  socket.addEventListener("open", () => {
    const hall = sessionStorage.getItem(HALL_KEY);
    socket.send(JSON.stringify(hall ? { type: "auth", v: 1, token, hall } : { type: "auth", v: 1, token }));
    socket.send(JSON.stringify({ type: "subscribe", v: 1, topics: ["hall"] }));
  });
  socket.addEventListener("message", (event) => {
    if (socket === live.socket) onLiveMessage(JSON.parse(event.data));
  });
  socket.addEventListener("close", (event) => {
    if (socket !== live.socket) return;
    live.socket = null;
    live.seq.clear();
    lostConnection(event.code);
  });
}

function checkHeartbeat() {
  if (!live.socket) return;
  if (Date.now() - live.lastMessageAt > SILENT_LIMIT_MS) { // a half-open connection: start again
    dropSocket();
    showLive(false);
    scheduleReconnect();
    return;
  }
  send({ type: "ping" });
}

function startLive() {
  live.wanted = true;
  live.attempt = 0;
  showLive(false);
  setIf($("live-status"), "连接中…");
  $("live-banner").hidden = true;
  connectLive();
  clearInterval(ticker);
  ticker = setInterval(tick, 1000);
  clearInterval(heartbeat);
  heartbeat = setInterval(checkHeartbeat, PING_EVERY_MS);
  clearInterval(devicesPoll);  // a device going silent sends nothing: its last report ages on this timer
  devicesPoll = setInterval(() => scheduleDevices(0), config.refreshMs);
}

function stopLive() {
  live.wanted = false;
  clearTimeout(live.reconnectTimer);
  clearInterval(ticker);
  clearInterval(heartbeat);
  clearTimeout(loadTimer);
  clearTimeout(alertsTimer);
  clearTimeout(chartTimer);
  clearTimeout(followupsTimer);
  clearTimeout(ratingsTimer);
  clearTimeout(devicesTimer);
  clearInterval(devicesPoll);
  loadTimer = alertsTimer = chartTimer = followupsTimer = ratingsTimer = devicesTimer = devicesPoll = null;
  dropSocket();
  statsAsked = false;
}

// --- 差评整改 warnings: follow-ups near (yellow) or past (red) a deadline in working days ------------------

const FOLLOWUP_STEPS = { verify: "核实", rectify: "整改反馈", revisit: "回访" };
let followupsTimer = null;
let ratingsTimer = null;

// --- 今日好差评: the day's evaluation figures with their numerators (definitions: GET /evaluation/figures)

function scheduleRatings(delay) {
  if (ratingsTimer !== null) return;
  ratingsTimer = setTimeout(fetchRatings, delay);
}

async function fetchRatings() {
  ratingsTimer = null;
  if (!hallState.serviceDate) return;
  const day = encodeURIComponent(hallState.serviceDate);
  try {
    renderRatings(await call("GET", `/evaluation/figures?group=day&date_from=${day}&date_to=${day}`));
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) sessionExpired();
  }
}

function renderRatings(figures) {
  const totals = figures.totals;
  $("ratings-none").hidden = totals.contacts > 0;
  $("ratings").hidden = totals.contacts === 0;
  const names = new Map(figures.definitions.map((d) => [d.key, d]));
  const rows = totals.figures.map((figure) => {
    const term = document.createElement("dt");
    term.textContent = names.get(figure.key).name;
    term.title = names.get(figure.key).text;  // the definition, on hover
    const value = document.createElement("dd");
    value.id = `rating-${figure.key}`;
    value.textContent = figure.value === null
      ? "—"
      : `${(figure.value * 100).toFixed(1)}%（${figure.numerator}/${figure.denominator}）`;
    return [term, value];
  });
  $("ratings").replaceChildren(...rows.flat());
}

async function fetchFollowups() {
  followupsTimer = null;
  try {
    const [red, yellow] = await Promise.all([
      call("GET", "/followups?warning=red"), call("GET", "/followups?warning=yellow"),
    ]);
    renderFollowups(red, yellow);
  } catch (error) {
    if (!unavailable(error)) return;
    renderFollowups([], []);
  }
}

function scheduleFollowups(delay) {
  if (followupsTimer !== null) return;
  followupsTimer = setTimeout(fetchFollowups, delay);
}

function followupItem(followup) {
  const item = document.createElement("li");
  item.className = `alert followup ${followup.warning}`;
  item.id = `followup-${followup.id}`;
  item.dataset.warning = followup.warning;
  const due = followup.deadlines.find((d) => d.warning === followup.warning);
  const who = [followup.window_no ? `${followup.window_no}号窗口` : "", followup.staff_name || ""].join(" ");
  const head = document.createElement("div");
  head.className = "a-head";
  head.textContent = `${followup.warning === "red" ? "已超期" : "临期"} · ${who.trim()} · ${followup.status_name}`;
  const detail = document.createElement("p");
  detail.className = "a-detail";
  detail.textContent = due ? `${FOLLOWUP_STEPS[due.step]}期限 ${due.due}（评价日 ${followup.opened_on}）` : "";
  const open = document.createElement("a");
  open.className = "a-open";
  open.id = `followup-${followup.id}-open`;
  open.href = `#/followups/${followup.id}`;
  open.textContent = "办理";
  open.setAttribute("aria-label", `办理差评整改 ${followup.id}`);
  item.replaceChildren(head, detail, open);
  return item;
}

function renderFollowups(red, yellow) {
  setIf($("followups-count"), red.length + yellow.length ? `红色 ${red.length} / 黄色 ${yellow.length}` : "");
  $("followups-none").hidden = red.length + yellow.length > 0;
  $("followups").replaceChildren(...red.map(followupItem), ...yellow.map(followupItem));
}

// --- 设备: every registered device's last health report (GET /devices/health), 失联 when stale ------------

const DEVICE_KINDS = { kiosk: "自助取号机", counter: "窗口终端", display: "叫号大屏", evalpad: "评价器" };
const PART_STATES = { OK: "正常", FAULT: "故障", ABSENT: "未连接" };

function scheduleDevices(delay) {
  if (devicesTimer !== null) return;
  devicesTimer = setTimeout(fetchDevices, delay);
}

async function fetchDevices() {
  devicesTimer = null;
  try {
    renderDevices(await call("GET", "/devices/health"), true);
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) sessionExpired();
    else if (unavailable(error)) renderDevices([], false);
  }
}

// Silence is expected from a device switched off in order and from a window terminal after its clerk signed out
// (it reports only while in use): neither is 失联, as neither raises the DEVICE_SILENT alert.
function silenceExpected(device) {
  return device.signed_off || device.kind === "counter";
}

function deviceState(device) {
  if (!device.active) return ["已停用", "off"];
  if (device.signed_off) return ["已关机", "off"];
  if (device.stale && device.kind === "counter") return ["未在用", "off"];
  if (device.stale) return device.reported_at ? ["失联", "stale"] : ["未报告", "off"];
  return device.faults ? [`故障 ${device.faults}`, "fault"] : ["正常", "ok"];
}

function partOf(part) {
  const span = document.createElement("span");
  const why = [part.code, part.message].filter(Boolean).join(" ");
  span.textContent = `${part.kind} ${PART_STATES[part.state] || part.state}${why ? `（${why}）` : ""}`;
  span.title = part.url_or_name;
  span.classList.toggle("bad", part.state !== "OK");
  return span;
}

function deviceRow(device) {
  const row = document.createElement("tr");
  row.id = `device-${device.device_id}`;
  row.dataset.name = device.name;
  const [stateText, state] = deviceState(device);
  row.className = state;
  const cells = [
    ["d-name", device.name], ["d-kind", DEVICE_KINDS[device.kind] || device.kind],
    ["d-version", device.app_version || "—"], ["d-reported", when(device.reported_at)], ["d-state", stateText],
  ].map(([name, text]) => {
    const cell = document.createElement("td");
    cell.className = name;
    cell.textContent = text;
    return cell;
  });
  const parts = document.createElement("td");
  parts.className = "d-parts";
  parts.replaceChildren(...device.devices.map(partOf));
  if (!device.devices.length) parts.textContent = "—";
  row.replaceChildren(...cells, parts);
  return row;
}

function renderDevices(devices, available) {
  $("devices-unavailable").hidden = available;
  $("devices-none").hidden = !available || devices.length > 0;
  const silent = devices.filter((d) => d.active && d.stale && d.reported_at && !silenceExpected(d)).length;
  const faulty = devices.filter((d) => d.active && !d.stale && !d.signed_off && d.faults).length;
  const counts = [silent ? `失联 ${silent}` : "", faulty ? `故障 ${faulty}` : ""].filter(Boolean).join(" · ");
  setIf($("devices-count"), devices.length ? `${counts ? `${counts} / ` : ""}共 ${devices.length} 台` : "");
  $("device-rows").replaceChildren(...devices.map(deviceRow));
}

// --- alerts ----------------------------------------------------------------------------------------------

async function fetchAlerts() {
  alertsTimer = null;
  try {
    hallState.alerts = await call("GET", "/alerts?open=true");
    hallState.alertsAvailable = true;
  } catch (error) {
    if (!unavailable(error)) return;
    hallState.alertsAvailable = false;
    hallState.alerts = [];
  }
  renderAlerts();
}

function scheduleAlerts(delay) {
  if (alertsTimer !== null) return;
  alertsTimer = setTimeout(fetchAlerts, delay);
}

function alertItem(alert) {
  let item = $("alerts").querySelector(`li[data-alert-id="${alert.id}"]`);
  if (item) return item;
  item = $("alert-item").content.firstElementChild.cloneNode(true);
  item.dataset.alertId = String(alert.id);
  item.id = `alert-${alert.id}`;
  item.querySelector(".a-fix").id = `alert-${alert.id}-fix`;
  item.querySelector(".a-ack").id = `alert-${alert.id}-ack`;
  item.querySelector(".a-fix").addEventListener("click", () => applySuggestion(alert.id));
  item.querySelector(".a-ack").addEventListener("click", () => askAcknowledge(alert.id));
  return item;
}

function renderAlerts() {
  $("alerts-unavailable").hidden = hallState.alertsAvailable;
  const alerts = [...hallState.alerts].sort((a, b) => Date.parse(b.raised_at) - Date.parse(a.raised_at));
  $("alerts-none").hidden = !hallState.alertsAvailable || alerts.length > 0;
  const pending = alerts.filter((a) => !a.acknowledged_at).length;
  setIf($("alerts-count"), alerts.length ? `${pending} 条待确认 / 共 ${alerts.length} 条` : "");
  const items = alerts.map((alert) => {
    const item = alertItem(alert);
    item.dataset.kind = alert.kind;
    item.classList.toggle("acknowledged", Boolean(alert.acknowledged_at));
    setIf(item.querySelector(".a-title"), alert.title);
    item.title = ALERT_KINDS[alert.kind] || alert.kind;
    setIf(item.querySelector(".a-time"), when(alert.raised_at));
    setIf(item.querySelector(".a-detail"), alert.detail);
    const suggestion = item.querySelector(".a-suggestion");
    suggestion.hidden = !alert.suggestion;
    setIf(suggestion, alert.suggestion ? `建议：${alert.suggestion.text}` : "");
    item.querySelector(".a-fix").hidden = !alert.suggestion;
    item.querySelector(".a-ack").hidden = Boolean(alert.acknowledged_at);
    const info = item.querySelector(".a-ack-info");
    info.hidden = !alert.acknowledged_at;
    const note = alert.acknowledge_note ? `：${alert.acknowledge_note}` : "";
    setIf(info, alert.acknowledged_at
      ? `${alert.acknowledged_by || ""} 已于 ${clock(alert.acknowledged_at)} 确认${note}` : "");
    return item;
  });
  $("alerts").replaceChildren(...items);
}

function findAlert(id) {
  return hallState.alerts.find((a) => a.id === id);
}

async function applySuggestion(id) {
  const alert = findAlert(id);
  if (!alert || !alert.suggestion) return;
  const { window_no: windowNo, category_codes: codes, text } = alert.suggestion;
  const button = $(`alert-${id}-fix`);
  button.disabled = true;
  try {
    await call("PUT", `/windows/${windowNo}/categories`, { category_codes: codes });
    toast(`已调整：${text}`);
  } catch (error) {
    toast(error.message || "调整失败，请稍后再试");
  } finally {
    button.disabled = false;
  }
}

let acknowledging = null;

function askAcknowledge(id) {
  const alert = findAlert(id);
  if (!alert) return;
  acknowledging = id;
  $("ack-what").textContent = alert.title;
  $("ack-note").value = "";
  $("ack-dialog").showModal();
}

async function acknowledge(event) {
  event.preventDefault();
  const id = acknowledging;
  try {
    await call("POST", `/alerts/${id}/acknowledge`, { note: $("ack-note").value.trim() });
    $("ack-dialog").close();
    toast("告警已确认");
  } catch (error) {
    toast(error.message || "确认失败，请稍后再试");
  }
  scheduleAlerts(0);
}

// --- manager actions -------------------------------------------------------------------------------------

async function windowAction(number, action) {
  try {
    const result = await call("POST", `/windows/${number}/${action}`);
    hallState.windows.set(result.window.number, result.window);
    renderWindows();
    toast(result.message || `${number}号窗口已${action === "open" ? "开放" : "关闭"}`);
  } catch (error) {
    toast(error.message || "操作失败，请稍后再试");
  }
}

let editing = null;

async function editCategories(number) {
  const window = hallState.windows.get(number);
  if (!window) return;
  try {
    catalogue = catalogue || await call("GET", "/categories");
  } catch (error) {
    toast(error.message || "无法读取业务类别");
    return;
  }
  editing = number;
  const allowed = window.may_serve_codes || [];
  $("categories-title").textContent = `调整 ${number}号窗口的业务`;
  $("categories-hint").textContent = allowed.length
    ? `本窗口可办：${allowed.map(categoryName).join("、")}；其他类别需先在窗口设置中授权。`
    : "本窗口为综合窗口，可办所有类别。";
  $("categories-error").textContent = "";
  const options = catalogue.map((category) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = `category-option-${category.code}`;
    box.value = category.code;
    box.checked = window.category_codes.includes(category.code);
    box.disabled = allowed.length > 0 && !allowed.includes(category.code) && !box.checked;
    label.append(box, ` ${category.prefix} ${category.name}`);
    return label;
  });
  $("categories-options").replaceChildren(...options);
  $("categories-dialog").showModal();
}

async function saveCategories(event) {
  event.preventDefault();
  const codes = [...$("categories-options").querySelectorAll("input:checked")].map((box) => box.value);
  if (!codes.length) {
    $("categories-error").textContent = "至少选择一个业务类别";
    return;
  }
  try {
    const window = await call("PUT", `/windows/${editing}/categories`, { category_codes: codes });
    hallState.windows.set(window.number, window);
    renderWindows();
    $("categories-dialog").close();
    toast(`${editing}号窗口业务已调整`);
  } catch (error) {
    $("categories-error").textContent = error.message || "保存失败，请稍后再试";
  }
}

async function postNotice(event) {
  event.preventDefault();
  const text = $("notice-text").value.trim();
  try {
    const hall = await call("PUT", "/hall/notice", { text });
    hallState.notice = hall.notice === undefined ? text : hall.notice;
    renderDay();
    toast(text ? "通知已发布到大屏" : "通知已清除");
  } catch (error) {
    toast(unavailable(error) ? "通知栏功能暂不可用" : (error.message || "发布失败，请稍后再试"));
  }
}

async function endDay(event) {
  event.preventDefault();
  try {
    const summary = await call("POST", "/hall/end-day");
    $("end-day-dialog").close();
    hallState.queueClosed = true;
    renderDay();
    toast(`已日终：作废 ${summary.cancelled} 张号票，关闭 ${summary.windows_closed} 个窗口`);
  } catch (error) {
    $("end-day-dialog").close();
    toast(error.message || "日终失败，请稍后再试");
  }
}

// thresholds (标准)

function minutesOf(secondsValue) {
  return secondsValue === null || secondsValue === undefined ? "" : String(Math.round(secondsValue / 60));
}

function thresholdInput(name, value, scope) {
  const input = document.createElement("input");
  input.type = "number";
  input.min = name === "max_waiting" ? "1" : "1";
  input.className = `th-${name}`;
  input.id = `threshold-${scope}-${name}`;
  input.value = value;
  input.placeholder = "不限";
  return input;
}

async function loadThresholds() {
  try {
    const thresholds = await call("GET", "/thresholds");
    $("thresholds-unavailable").hidden = true;
    const rows = thresholds.map((t) => {
      const row = document.createElement("tr");
      row.dataset.scope = t.scope;
      const name = document.createElement("th");
      name.textContent = t.scope_name;
      const cells = [
        thresholdInput("max_wait_seconds", minutesOf(t.max_wait_seconds), t.scope),
        thresholdInput("max_waiting", t.max_waiting ?? "", t.scope),
        thresholdInput("max_service_seconds", minutesOf(t.max_service_seconds), t.scope),
      ].map((input) => { const td = document.createElement("td"); td.append(input); return td; });
      const action = document.createElement("td");
      const save = document.createElement("button");
      save.type = "button";
      save.className = "quiet-dark";
      save.id = `threshold-${t.scope}-save`;
      save.textContent = "保存";
      save.addEventListener("click", () => saveThreshold(t.scope, row));
      action.append(save);
      row.append(name, ...cells, action);
      return row;
    });
    $("threshold-rows").replaceChildren(...rows);
  } catch (error) {
    if (unavailable(error)) $("thresholds-unavailable").hidden = false;
  }
}

async function saveThreshold(scope, row) {
  const read = (name, factor) => {
    const text = row.querySelector(`.th-${name}`).value.trim();
    return text === "" ? null : Math.round(Number(text) * factor);
  };
  try {
    await call("PUT", `/thresholds/${encodeURIComponent(scope)}`, {
      max_wait_seconds: read("max_wait_seconds", 60),
      max_waiting: read("max_waiting", 1),
      max_service_seconds: read("max_service_seconds", 60),
    });
    toast("告警标准已保存");
  } catch (error) {
    toast(error.message || "保存失败，请检查数值");
  }
}

// --- statistics ------------------------------------------------------------------------------------------

const STATS_COLUMNS = [
  ["issued", number], ["served", number], ["no_show", number], ["cancelled", number], ["open", number],
  ["no_show_rate", percent], ["avg_wait_seconds", seconds], ["median_wait_seconds", seconds],
  ["p90_wait_seconds", seconds], ["wait_over_threshold", number], ["avg_service_seconds", seconds],
];

function initStatsRange() {
  if (!hallState.serviceDate) return;
  if (!$("stats-to").value) $("stats-to").value = hallState.serviceDate;
  if (!$("stats-from").value) $("stats-from").value = `${hallState.serviceDate.slice(0, 8)}01`;
}

function statsQuery() {
  return new URLSearchParams({
    date_from: $("stats-from").value, date_to: $("stats-to").value, group: $("stats-group").value,
  });
}

function statsMessage(text) {
  $("stats-message").hidden = !text;
  $("stats-message").textContent = text || "";
}

function statsRow(row, head) {
  const tr = document.createElement("tr");
  tr.dataset.key = row.key;
  const label = document.createElement(head ? "th" : "td");
  label.textContent = row.label;
  tr.append(label);
  for (const [key, format] of STATS_COLUMNS) {
    const cell = document.createElement("td");
    cell.className = "num";
    cell.dataset.field = key;
    cell.textContent = format(row[key]);
    tr.append(cell);
  }
  return tr;
}

function renderStats(stats) {
  const names = new Map(stats.definitions.map((d) => [d.key, d.name]));
  const head = document.createElement("tr");
  const first = document.createElement("th");
  first.textContent = stats.group_name;
  head.append(first);
  for (const [key] of STATS_COLUMNS) {
    const th = document.createElement("th");
    th.className = "num";
    th.textContent = names.get(key) || key;
    head.append(th);
  }
  $("stats-head").replaceChildren(head);
  $("stats-rows").replaceChildren(...stats.rows.map((row) => statsRow(row, false)));
  $("stats-foot").replaceChildren(statsRow(stats.totals, true));
  statsMessage(stats.rows.length ? "" : "所选区间没有号票");
  const targets = stats.targets.map((target) => {
    const box = document.createElement("div");
    box.className = "target-figure";
    box.dataset.key = target.key;
    const name = document.createElement("span");
    name.className = "tf-name";
    name.textContent = target.name;
    const value = document.createElement("span");
    value.className = "tf-value";
    value.textContent = percent(target.value);
    const basis = document.createElement("span");
    basis.className = "tf-basis";
    basis.textContent = target.denominator ? `${target.numerator} / ${target.denominator}` : "";
    box.append(name, value, basis);
    if (target.reason) {
      const reason = document.createElement("span");
      reason.className = "tf-reason";
      reason.textContent = target.reason;
      box.append(reason);
    }
    return box;
  });
  $("stats-targets").replaceChildren(...targets);
  const targetTexts = stats.targets.map((t) => ({ name: t.name, text: t.definition }));
  const definitions = [...stats.definitions, ...targetTexts];
  const minutes = Math.round(stats.wait_threshold_seconds / 60);
  const threshold = { name: "等候超时阈值", text: `本次统计按 ${minutes} 分钟计。` };
  $("stats-definitions").replaceChildren(...[...definitions, threshold].flatMap((d) => {
    const dt = document.createElement("dt");
    dt.textContent = d.name;
    const dd = document.createElement("dd");
    dd.textContent = d.text;
    return [dt, dd];
  }));
}

async function runStats(event) {
  if (event) event.preventDefault();
  $("stats-run").disabled = true;
  try {
    renderStats(await call("GET", `/stats?${statsQuery()}`));
  } catch (error) {
    statsMessage(unavailable(error) ? "统计功能暂不可用" : (error.message || "查询失败，请稍后再试"));
  } finally {
    $("stats-run").disabled = false;
  }
}

function fileName(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : fallback;
}

// An export needs the bearer token, so it is fetched and saved from a blob rather than linked.
async function download(path, fallbackName) {
  try {
    const response = await fetchRaw(path);
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = fileName(response, fallbackName);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) sessionExpired();
    else toast(unavailable(error) ? "导出功能暂不可用" : (error.message || "导出失败，请稍后再试"));
  }
}

function exportStats(format) {
  const query = statsQuery();
  query.set("format", format);
  return download(`/stats/export?${query}`, `统计_${query.get("date_from")}_${query.get("date_to")}.${format}`);
}

// --- signing in and out ----------------------------------------------------------------------------------

function showLogin(message) {
  clearTimeout(timer);
  timer = null;
  stopLive();
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("login-password").value = "";
  $("login-name").focus();
  announce("signed-out");
}

// A regional account covering several halls picks the hall it manages; every request then names it
// (X-Yimen-Hall, and the /ws auth message), and the page starts again in that hall.
async function showHallSelector() {
  const select = $("hall-select");
  let halls;
  try {
    halls = await call("GET", "/halls");
  } catch (error) {
    if (error instanceof HttpError && ["HALL_NOT_COVERED", "HALL_NOT_FOUND"].includes(error.code)
        && sessionStorage.getItem(HALL_KEY)) {
      sessionStorage.removeItem(HALL_KEY); // a hall no longer covered: back to the default one
      return showHallSelector();
    }
    select.hidden = true;
    return null;
  }
  select.hidden = halls.length < 2;
  if (select.hidden) return null;
  const current = await call("GET", "/hall").catch(() => null);
  select.replaceChildren(...halls.map((hall) => {
    const option = document.createElement("option");
    option.value = hall.code;
    option.textContent = `${hall.name}（等候 ${hall.waiting}）`;
    option.selected = current !== null && hall.code === current.code;
    return option;
  }));
  return current;
}

function chooseHall() {
  sessionStorage.setItem(HALL_KEY, $("hall-select").value);
  location.reload();
}

async function showDashboard(staff) {
  $("login").hidden = true;
  $("app").hidden = false;
  $("user-name").textContent = staff.name;
  try {
    const hall = (await showHallSelector()) || (await call("GET", "/hall"));
    $("hall-name").textContent = hall.name;
  } catch (error) {
    // The hall name is decoration; the status below says if the server is unreachable.
  }
  startLive();
  loadThresholds();
  announce("signed-in");
  await refresh();
  schedule();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(HALL_KEY);
  showLogin(message);
}

// A 401 from a request still in flight when the manager signed out is not news: only a session that is
// still ours can expire, so the "已退出登录" message stays.
function sessionExpired() {
  if (sessionStorage.getItem(TOKEN_KEY)) signOut("登录已过期，请重新登录");
}

async function logIn(event) {
  event.preventDefault();
  const submit = $("login-submit");
  submit.disabled = true;
  try {
    const result = await call("POST", "/auth/login", {
      login: $("login-name").value.trim(), password: $("login-password").value,
    });
    sessionStorage.setItem(TOKEN_KEY, result.token);
    if (!MANAGER_ROLES.has(result.staff.role)) {
      await call("POST", "/auth/logout").catch(() => null);
      signOut("此页面仅限大厅管理员使用");
      return;
    }
    await showDashboard(result.staff);
  } catch (error) {
    $("login-error").textContent = error instanceof HttpError ? error.message : "无法连接大厅服务器，请稍后再试";
  } finally {
    submit.disabled = false;
  }
}

async function logOut() {
  await call("POST", "/auth/logout").catch(() => null);
  signOut("已退出登录");
}

async function start() {
  $("login-form").addEventListener("submit", logIn);
  $("logout").addEventListener("click", logOut);
  $("hall-select").addEventListener("change", chooseHall);
  $("replay-all").addEventListener("click", () => replay({ all_dead: true }));
  $("notice-form").addEventListener("submit", postNotice);
  $("end-day").addEventListener("click", () => $("end-day-dialog").showModal());
  $("end-day-cancel").addEventListener("click", () => $("end-day-dialog").close());
  $("end-day-form").addEventListener("submit", endDay);
  $("ack-cancel").addEventListener("click", () => $("ack-dialog").close());
  $("ack-form").addEventListener("submit", acknowledge);
  $("categories-cancel").addEventListener("click", () => $("categories-dialog").close());
  $("categories-form").addEventListener("submit", saveCategories);
  $("stats-form").addEventListener("submit", runStats);
  $("stats-csv").addEventListener("click", () => exportStats("csv"));
  $("stats-xlsx").addEventListener("click", () => exportStats("xlsx"));
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    showLogin();
    return;
  }
  try {
    const me = await call("GET", "/auth/me");
    if (me.kind === "staff" && MANAGER_ROLES.has(me.staff.role)) {
      await showDashboard(me.staff);
      return;
    }
    signOut("此页面仅限大厅管理员使用");
  } catch (error) {
    if (error instanceof HttpError) sessionExpired();
    else showLogin("无法连接大厅服务器，请稍后再试");
  }
}

// After every deferred script of the page has run (works.js listens for the first sign-in).
document.addEventListener("DOMContentLoaded", start);
