// The managers' dashboard: signs in, then reads /api/v1 on a timer and redraws in place (no reload).
// Text from the server is only ever set as textContent, never parsed as HTML.
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "yimen.manage.token";
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
  $("updated").textContent = `数据更新于 ${clock(lastGood)}`;
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
      signOut("登录已过期，请重新登录");
      return;
    }
    const since = lastGood ? `，显示的是 ${clock(lastGood)} 的数据` : "";
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

// --- signing in and out ----------------------------------------------------------------------------------

function showLogin(message) {
  clearTimeout(timer);
  timer = null;
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("login-password").value = "";
  $("login-name").focus();
}

async function showDashboard(staff) {
  $("login").hidden = true;
  $("app").hidden = false;
  $("user-name").textContent = staff.name;
  try {
    const hall = await call("GET", "/hall");
    $("hall-name").textContent = hall.name;
  } catch (error) {
    // The hall name is decoration; the status below says if the server is unreachable.
  }
  await refresh();
  schedule();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin(message);
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
  $("replay-all").addEventListener("click", () => replay({ all_dead: true }));
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
    if (error instanceof HttpError) signOut("登录已过期，请重新登录");
    else showLogin("无法连接大厅服务器，请稍后再试");
  }
}

start();
