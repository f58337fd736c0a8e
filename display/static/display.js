// The hall screen: renders the view model the display service pushes on /live. Text nodes are updated in
// place (keyed list items reused), never a re-render of the page, so nothing flickers. The page plays no
// sound: the service speaks the calls. When its own WebSocket drops it retries; when it comes back and the
// service's boot id changed (the service restarted, maybe upgraded) the page reloads itself.
"use strict";

const RETRY_MS = [500, 1000, 2000, 4000, 8000];
const FLASH_MS = 3600;
const SHOWN_LIMIT = 200; // call → time shown, kept for the benchmark; bounded

const $ = (id) => document.getElementById(id);
let bootId = null;
let retries = 0;
let lastLatestKey = "";
let lastStale = null;
window.yimenDisplay = { shown: new Map(), views: 0, bootId: null };

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function setHidden(node, hidden) {
  if (node.hidden !== hidden) node.hidden = hidden;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

// The hall's wall clock, not the display PC's: its time zone comes with every view (the server's
// configured hall zone); until the first view arrives the page assumes China Standard Time.
let timeZone = "Asia/Shanghai";
let clockFormat = null;

function clockFormatFor(zone) {
  try {
    return new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch (error) {
    return null; // an unknown zone name: keep the one we had
  }
}

function setTimeZone(zone) {
  if (!zone || zone === timeZone && clockFormat) return;
  const format = clockFormatFor(zone);
  if (!format) return;
  timeZone = zone;
  clockFormat = format;
  tick();
}

// The parts of `date` on the hall's wall clock: year, month, day, weekday (0 = Sunday), hour, minute, second.
function hallParts(date) {
  if (!clockFormat) clockFormat = clockFormatFor(timeZone);
  const parts = {};
  for (const part of clockFormat.formatToParts(date)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

function hms(date) {
  const t = hallParts(date);
  return `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

function tick() {
  const t = hallParts(new Date());
  setText($("time"), `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`);
  const week = "日一二三四五六"[t.weekday];
  setText($("date"), `${t.year}年${t.month}月${t.day}日 星期${week}`);
}

// Keep `list`'s children in the order of `items`, reusing the child with the same key.
function syncList(list, items, keyOf, make, update) {
  const existing = new Map();
  for (const child of Array.from(list.children)) existing.set(child.dataset.key, child);
  items.forEach((item, index) => {
    const key = keyOf(item);
    let node = existing.get(key);
    if (node) existing.delete(key);
    else {
      node = make(item);
      node.dataset.key = key;
    }
    update(node, item);
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  for (const node of existing.values()) node.remove();
}

function span(className) {
  const node = document.createElement("span");
  node.className = className;
  return node;
}

function windowLabel(call) {
  return `${call.window}号窗口`; // as the voice says it and the window's sign shows it
}

// Cards at full size are about 13 × 10.5 units; pick the column count that lets all of them fit largest.
const CARD_UNITS = { w: 13, h: 10.5 };

function fitWindows() {
  const box = $("windows");
  const count = box.children.length;
  if (!count || !box.clientWidth || !box.clientHeight) return;
  const vw = window.innerWidth / 100;
  const vh = window.innerHeight / 100;
  const u = vh > vw ? Math.min(vw * 1.78, vh) : Math.min(vw, vh * 1.78); // --u in display.css
  let best = { cols: 1, fit: 0 };
  for (let cols = 1; cols <= count; cols += 1) {
    const rows = Math.ceil(count / cols);
    const fit = Math.min(box.clientWidth / cols / (CARD_UNITS.w * u), box.clientHeight / rows / (CARD_UNITS.h * u));
    if (fit > best.fit) best = { cols, fit };
  }
  const fit = Math.min(1, best.fit).toFixed(3);
  if (box.style.getPropertyValue("--cols") !== String(best.cols)) box.style.setProperty("--cols", best.cols);
  if (box.style.getPropertyValue("--fit") !== fit) box.style.setProperty("--fit", fit);
}
window.addEventListener("resize", fitWindows);

function render(view) {
  window.yimenDisplay.views += 1;
  setTimeZone(view.time_zone);
  setText($("hall-name"), view.hall_name || "");
  setText($("profile-title"), view.profile_title || "");
  const latest = view.latest;
  const box = $("latest");
  if (latest) {
    setText($("latest-ticket"), latest.ticket);
    setText($("latest-window"), windowLabel(latest));
    box.classList.remove("empty");
    const key = `${latest.ticket}|${latest.window}|${latest.at}`;
    if (key !== lastLatestKey) {
      if (lastLatestKey) flash(box);
      lastLatestKey = key;
      markShown(latest.ticket);
    }
  } else {
    setText($("latest-ticket"), "—");
    setText($("latest-window"), "");
    box.classList.add("empty");
  }
  setHidden($("latest-recall"), !(latest && latest.recall));

  syncList(
    $("calls"),
    view.calls,
    (c) => `${c.ticket}|${c.window}|${c.at}`,
    () => {
      const li = document.createElement("li");
      li.append(span("t"), span("w"));
      return li;
    },
    (li, c) => {
      setText(li.querySelector(".t"), c.ticket);
      setText(li.querySelector(".w"), windowLabel(c));
    },
  );
  for (const c of view.calls) markShown(c.ticket);

  syncList(
    $("windows"),
    view.windows,
    (w) => String(w.number),
    () => {
      const li = document.createElement("li");
      li.append(span("name"), span("ticket"), span("label"));
      return li;
    },
    (li, w) => {
      if (li.className !== w.state) li.className = w.state;
      setText(li.querySelector(".name"), `${w.number}号窗口`);
      setText(li.querySelector(".ticket"), w.ticket || "");
      setText(li.querySelector(".label"), w.label);
    },
  );

  syncList(
    $("waiting"),
    view.waiting,
    (c) => c.code,
    () => {
      const li = document.createElement("li");
      li.append(span("c"), span("n"));
      return li;
    },
    (li, c) => {
      setText(li.querySelector(".c"), c.name);
      setText(li.querySelector(".n"), `${c.waiting}人`);
    },
  );

  fitWindows();
  setText($("notice"), view.notice || "");
  setHidden($("notice"), !view.notice);
  showStale(view.stale_since, view.synced);
}

function showStale(since, synced) {
  const stale = $("stale");
  if (since) {
    if (since !== lastStale) {
      lastStale = since;
      const text = synced
        ? `数据更新于 ${hms(new Date(since))}，正在重新连接…`
        : "正在连接大厅服务器…";
      setText(stale, text);
    }
    setHidden(stale, false);
  } else {
    lastStale = null;
    setHidden(stale, true);
  }
}

function markShown(ticket) {
  const shown = window.yimenDisplay.shown;
  if (shown.has(ticket)) return;
  shown.set(ticket, Date.now());
  if (shown.size > SHOWN_LIMIT) shown.delete(shown.keys().next().value);
}

function flash(box) {
  box.classList.remove("flash");
  void box.offsetWidth; // restart the animation
  box.classList.add("flash");
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => box.classList.remove("flash"), FLASH_MS);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/live`);
  socket.onmessage = (message) => {
    const view = JSON.parse(message.data);
    if (bootId === null) {
      bootId = view.boot_id;
      window.yimenDisplay.bootId = bootId;
    } else if (view.boot_id !== bootId) {
      location.reload(); // the service restarted: take its page as it is now
      return;
    }
    retries = 0;
    render(view);
  };
  socket.onclose = () => {
    const stale = $("stale");
    if (stale.hidden) {
      setText(stale, `数据更新于 ${hms(new Date())}，正在重新连接…`);
      lastStale = "page";
      setHidden(stale, false);
    }
    const wait = RETRY_MS[Math.min(retries, RETRY_MS.length - 1)];
    retries += 1;
    setTimeout(connect, wait);
  };
}

tick();
setInterval(tick, 1000);
connect();
