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
  $("number").textContent = view.number;
  $("matter").textContent = view.matter_name || view.category_name;
  const state = $("state");
  state.textContent = stateText(view);
  state.className = "state" + (view.status === "CALLED" ? " called" : "")
    + (["DONE", "NO_SHOW", "CANCELLED"].includes(view.status) ? " over" : "");
  const waiting = view.status === "WAITING";
  $("queue").hidden = !waiting;
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

async function load() {
  try {
    const response = await fetch("/api/v1/public/tickets/" + encodeURIComponent(code), { cache: "no-store" });
    if (response.status === 404) { showGone(); return; }
    if (response.ok) render(await response.json());
  } catch { /* the live feed below brings it as soon as the server answers */ }
}

$("banner-close").addEventListener("click", () => { $("banner").hidden = true; });
setUpReminders();
load().then(connect);
