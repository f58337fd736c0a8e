// The follow page: the ticket's public view, kept live through the `ticket:<code>` topic of /ws.
// Text from the server is only ever set as textContent. Reminders (banner, vibration, notification) fire
// once per moment per ticket, remembered in localStorage so a reload or reconnect does not repeat them.
"use strict";

const code = decodeURIComponent(location.pathname.split("/")[2] || "");
const topic = "ticket:" + code;
const TOLD_KEY = "yimen.follow.told." + code;
const THIRD_AHEAD = 2;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15000;
const PING_MS = 25000;
const STATES = {
  WAITING: "等候中", SERVING: "办理中", DONE: "已完成", NO_SHOW: "已过号", CANCELLED: "已取消",
};

const $ = (id) => document.getElementById(id);
let socket = null;
let lastSeq = -1;
let retryMs = RETRY_MIN_MS;
let pinger = null;
let gone = false;
let lastStatus = null;
let rating = null;  // the service being rated: {id, evaluations}
let chosenLevel = null;

function told() {
  try { return JSON.parse(localStorage.getItem(TOLD_KEY) || "{}"); } catch { return {}; }
}

function remember(moment) {
  const seen = told();
  seen[moment] = true;
  try { localStorage.setItem(TOLD_KEY, JSON.stringify(seen)); } catch { /* private mode: once per page */ }
}

function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "暂无法估计";
  if (seconds < 60) return "1 分钟内";
  return "约 " + Math.round(seconds / 60) + " 分钟";
}

function stateText(view) {
  if (view.status === "CALLED") return "请到 " + view.window_no + " 号窗口";
  if (view.status === "SERVING" && view.window_no) return "办理中（" + view.window_no + " 号窗口）";
  return STATES[view.status] || view.status;
}

function render(view) {
  if (view.status !== lastStatus) {  // a service just ended (or the page opened): what can be rated now
    lastStatus = view.status;
    if (["DONE", "WAITING", "CALLED"].includes(view.status)) loadServices();
    if (view.status === "DONE") loadCases();
  }
  $("number").textContent = view.number;
  $("matter").textContent = view.matter_name || view.category_name;
  const state = $("state");
  state.textContent = stateText(view);
  state.className = "state" + (view.status === "CALLED" ? " called" : "")
    + (["DONE", "NO_SHOW", "CANCELLED"].includes(view.status) ? " over" : "");
  const waiting = view.status === "WAITING";
  $("queue").hidden = !waiting;
  if (["DONE", "CANCELLED"].includes(view.status)) $("remind").hidden = true;  // nothing left to remind of
  if (waiting) {
    $("ahead").textContent = String(view.people_ahead);
    $("wait").textContent = minutes(view.wait_seconds);
    $("explanation").textContent = view.explanation || "";
  }
  remindIfDue(view);
}

function remindIfDue(view) {
  const seen = told();
  if (view.status === "WAITING" && view.people_ahead === THIRD_AHEAD && !seen.third) {
    remember("third");
    remind("您前面还有 2 人，快轮到您了，请留意叫号。", false);
  }
  if (view.status === "CALLED" && !seen.called) {
    remember("called");
    remind("请到 " + view.window_no + " 号窗口办理（" + view.number + "）", true);
  }
}

function remind(text, called) {
  $("banner-text").textContent = text;
  $("banner").className = "banner" + (called ? " called" : "");
  $("banner").hidden = false;
  if (typeof navigator.vibrate === "function") navigator.vibrate(called ? [400, 200, 400, 200, 400] : [300, 150, 300]);
  if ("Notification" in window && Notification.permission === "granted") {
    try { new Notification("政务服务大厅", { body: text, tag: "yimen-" + (called ? "called" : "third") }); }
    catch { /* some phones only notify from a service worker: the banner and vibration remain */ }
  }
}

function showGone() {
  gone = true;
  $("complain").hidden = true;
  $("state").textContent = "没有找到该号票";
  $("matter").textContent = "号票二维码只在取号当天有效，请咨询大厅工作人员。";
  $("queue").hidden = true;
  $("offline").hidden = true;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function onMessage(event) {
  let message;
  try { message = JSON.parse(event.data); } catch { return; }
  if (message.type === "ticket" && message.topic === topic) {
    if (lastSeq >= 0 && message.seq > lastSeq + 1) send({ type: "resync", topic: topic });
    lastSeq = message.seq;
    render(message.ticket);
  } else if (message.type === "error" && message.code === "TICKET_NOT_FOUND") {
    showGone();
    socket.close();
  }
}

function connect() {
  if (gone) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(scheme + "//" + location.host + "/ws");
  socket.onopen = () => {
    retryMs = RETRY_MIN_MS;
    lastSeq = -1;
    $("offline").hidden = true;
    send({ type: "subscribe", topics: [topic] });
    pinger = setInterval(() => send({ type: "ping" }), PING_MS);
  };
  socket.onmessage = onMessage;
  socket.onclose = () => {
    clearInterval(pinger);
    if (gone) return;
    $("offline").hidden = false;
    const delay = retryMs * (0.8 + Math.random() * 0.4);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    setTimeout(connect, delay);
  };
}

function setUpReminders() {
  if (!("Notification" in window)) return;
  const update = () => {
    $("remind").hidden = Notification.permission !== "default";
    $("remind-on").hidden = Notification.permission !== "granted";
  };
  $("remind-button").addEventListener("click", () => {
    Notification.requestPermission().then(update, update);
  });
  update();
}

// --- 办件进度: the cases opened from this ticket, in the status words of the contract (R3) -------------

async function loadCases() {
  let cases;
  try {
    const response = await fetch("/api/v1/public/tickets/" + encodeURIComponent(code) + "/cases", { cache: "no-store" });
    if (!response.ok) return;
    cases = await response.json();
  } catch { return; }
  const list = $("case-list");
  list.replaceChildren(...cases.map((c) => {
    const item = document.createElement("li");
    item.className = "case";
    const waybill = c.waybill_no ? "（" + c.carrier + " " + c.waybill_no + "）" : "";
    item.textContent = c.matter_name + " · " + c.local_case_no + "：" + c.status_name + waybill;
    item.dataset.status = c.status;
    return item;
  }));
  $("cases").hidden = cases.length === 0;
}

async function load() {
  loadCases();
  try {
    const response = await fetch("/api/v1/public/tickets/" + encodeURIComponent(code), { cache: "no-store" });
    if (response.status === 404) return loadPast();
    if (response.ok) render(await response.json());
  } catch { /* the live feed below brings it as soon as the server answers */ }
}

// --- 评价 (channel QR): the ticket's latest service that can still be rated, five levels, a 差评's reason --

async function loadServices() {
  let services;
  try {
    const response = await fetch(servicesUrl(), { cache: "no-store" });
    if (!response.ok) return null;
    services = await response.json();
  } catch { return null; }
  const open = services.filter((s) => s.can_rate);
  rating = open.length ? open[open.length - 1] : null;
  $("rate").hidden = rating === null;
  if (rating !== null) showRating();
  return services;
}

function servicesUrl() {
  return "/api/v1/public/tickets/" + encodeURIComponent(code) + "/opportunities";
}

function showRating() {
  const where = rating.window_no ? rating.window_no + " 号窗口 · " : "";
  const again = rating.evaluations ? "（已评价，可追评一次）" : "";
  $("rate-service").textContent = where + (rating.matter_name || rating.service_name) + again;
  $("rate-levels").hidden = false;
  $("rate-reasons").hidden = true;
  $("rate-result").textContent = "";
}

async function sendRating(level, text) {
  const url = servicesUrl() + "/" + rating.id + "/evaluations";
  $("rate-levels").hidden = true;
  $("rate-reasons").hidden = true;
  const result = $("rate-result");
  result.className = "rate-result";
  result.textContent = "正在提交…";
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      // what the visitor saw: a first rating, or the 追评 of one already given (never an accidental 追评)
      body: JSON.stringify({ level, text, follow_up: rating.evaluations > 0 }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || "评价未能提交，请稍后再试");
    result.textContent = "感谢您的评价！";
  } catch (error) {
    result.className = "rate-result error";
    result.textContent = error instanceof TypeError ? "网络中断，评价未能提交，请稍后再试" : error.message;
    $("rate-levels").hidden = false;
  }
}

function setUpRating() {
  for (const button of $("rate-levels").querySelectorAll("button")) {
    button.addEventListener("click", () => {
      chosenLevel = button.dataset.level;
      if (chosenLevel === "DISSATISFIED" || chosenLevel === "VERY_DISSATISFIED") {
        $("rate-levels").hidden = true;  // a 差评 says what went wrong first
        $("rate-reasons").hidden = false;
      } else {
        sendRating(chosenLevel, "");
      }
    });
  }
  for (const button of $("rate-reasons").querySelectorAll("button")) {
    button.addEventListener("click", () => sendRating(chosenLevel, button.dataset.reason));
  }
}

// --- 投诉: the follow code is the credential; the hall answers within its deadline in working days --------

function setUpComplaint() {
  $("complain").hidden = false;
  $("complain-open").addEventListener("click", () => {
    $("complain-open").hidden = true;
    $("complain-form").hidden = false;
  });
  $("complain-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = $("complain-result");
    const body = { subject: $("complain-subject").value, text: $("complain-text").value.trim() };
    const contact = $("complain-contact").value.replace(/\s/g, "");
    if (contact) body.contact = contact;
    $("complain-send").disabled = true;
    result.className = "rate-result";
    result.textContent = "正在提交…";
    try {
      const response = await fetch("/api/v1/public/tickets/" + encodeURIComponent(code) + "/complaints", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(answer.message || "投诉未能提交，请稍后再试或拨打 12345");
      $("complain-form").hidden = true;
      result.textContent = "已收到您的投诉，我们将在 " + answer.due_date + " 前答复。";
    } catch (error) {
      result.className = "rate-result error";
      result.textContent = error instanceof TypeError ? "网络中断，投诉未能提交，请稍后再试" : error.message;
    } finally {
      $("complain-send").disabled = false;
    }
  });
}

// A ticket of an earlier day: no queue to follow, only its services to rate (15 days after the service).
async function loadPast() {
  const services = await loadServices();
  loadCases();
  if (!services || !services.length) { showGone(); return false; }
  gone = true;  // nothing live to follow
  $("number").textContent = services[0].ticket_number || "—";
  $("matter").textContent = services[0].matter_name || services[0].service_name;
  $("state").textContent = "已完成";
  $("state").className = "state over";
  return false;
}

$("banner-close").addEventListener("click", () => { $("banner").hidden = true; });
setUpReminders();
setUpRating();
setUpComplaint();
load().then((live) => { if (live !== false) connect(); });
