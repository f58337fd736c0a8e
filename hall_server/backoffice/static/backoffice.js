// The back office page (后台分类审批): the department's queue, a case, and its steps. Same API as every client.
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "yimen.backoffice.token";
const PAGE = 20;
const WARN = { RED: ["red", "红牌"], YELLOW: ["yellow", "黄牌"], NONE: ["none", "正常"] };
const state = { offset: 0, total: 0, selected: null, detail: null };
const $ = (id) => document.getElementById(id);

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
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["Idempotency-Key"] = crypto.randomUUID();
  }
  const response = await fetch(API + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
  });
  const data = await response.json().catch(() => null);
  if (response.status === 401) { signOut("登录已失效，请重新登录"); throw new HttpError(401, data); }
  if (!response.ok) throw new HttpError(response.status, data);
  return data;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function left(days) {
  if (days === null || days === undefined) return "—";
  return days < 0 ? `超期 ${-days} 个工作日` : `${days} 个工作日`;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" }) : "—";
}

// --- the queue -------------------------------------------------------------------------------------------

async function loadQueue() {
  const params = new URLSearchParams({ offset: state.offset, limit: PAGE });
  if ($("filter-status").value) params.set("status", $("filter-status").value);
  if ($("filter-warning").value) params.set("warning", $("filter-warning").value);
  const page = await call("GET", `/backoffice/cases?${params}`);
  state.total = page.total;
  $("queue-total").textContent = `共 ${page.total} 件`;
  const rows = $("queue-rows");
  rows.replaceChildren(...page.items.map(queueRow));
  $("queue-empty").hidden = page.items.length > 0;
  const pages = Math.max(1, Math.ceil(page.total / PAGE));
  $("page-info").textContent = `第 ${Math.floor(state.offset / PAGE) + 1} / ${pages} 页`;
  $("prev-page").disabled = state.offset === 0;
  $("next-page").disabled = state.offset + PAGE >= page.total;
}

function queueRow(item) {
  const row = el("tr");
  row.className = `warn-${item.warning}` + (item.id === state.selected ? " selected" : "");
  row.dataset.caseId = item.id;
  row.setAttribute("aria-label", `办件 ${item.local_case_no}`);
  const [mark, name] = WARN[item.warning];
  row.append(
    el("td", item.local_case_no, "num"), el("td", item.matter_name), el("td", item.applicant_name),
    el("td", item.status_name), el("td", item.promised_date, "num"),
    el("td", left(item.promised_left), "num"), el("td", left(item.legal_left), "num"),
  );
  const cell = el("td");
  cell.append(el("span", name, `mark ${mark}`));
  row.append(cell);
  row.addEventListener("click", () => openCase(item.id));
  return row;
}

// --- one case --------------------------------------------------------------------------------------------

async function openCase(id) {
  state.selected = id;
  const detail = await call("GET", `/backoffice/cases/${id}`);
  state.detail = detail;
  showCase(detail);
  for (const row of $("queue-rows").children) row.classList.toggle("selected", Number(row.dataset.caseId) === id);
}

function showCase(d) {
  const c = d.case;
  $("detail").hidden = false;
  $("detail-title").textContent = `${c.local_case_no} · ${c.matter_name}`;
  const [, warnName] = WARN[d.warning];
  $("detail-sub").textContent = `${c.status_name} · ${d.department_name || "未分派部门"} · 承诺办结 `
    + `${c.promised_date || "—"}（${left(d.promised_left)}）· 法定办结 ${c.legal_date || "—"}（${left(d.legal_left)}）· ${warnName}`;
  $("detail-form").replaceChildren(...c.form.flatMap((f) => [el("dt", f.label), el("dd", f.value || "—")]));
  $("detail-materials").replaceChildren(...c.materials.map((m) => materialItem(c.id, m)));
  const trace = [el("li", `受理 · ${when(c.accepted_at)}`)];
  const entries = [
    ...d.steps.map((s) => ({ at: s.ended_at, text: `${s.phase_name} · ${{ PASS: "通过", RETURN: "退回", WINDOW: "退回窗口补正" }[s.action] || s.action}`
      + ` · ${s.result === "AGREE" ? "同意" : "不同意"} · ${s.handler_name}`, meta: s.opinion })),
    ...d.special_procedures.map((p) => ({ at: p.started_at, text: `特别程序：${p.kind_name}`
      + (p.ended_at ? `（已结束，${p.working_days} 个工作日不计时）` : "（进行中，暂停计时）"),
      meta: `${p.reason_basis}${p.result ? `；结果：${p.result}` : ""}` })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  for (const entry of entries) {
    const item = el("li", `${entry.text} · ${when(entry.at)}`);
    item.append(el("div", entry.meta, "meta"));
    trace.push(item);
  }
  $("detail-trace").replaceChildren(...trace);
  const done = $("detail-conclusion");
  done.hidden = !d.conclusion;
  if (d.conclusion) {
    const cert = d.conclusion.certificate;
    done.textContent = `${c.status_name}` + (cert ? `：${cert.name} ${cert.number}` : "")
      + (d.conclusion.reason ? `：${d.conclusion.reason}` : "")
      + (d.conclusion.transfer_target ? `：转报 ${d.conclusion.transfer_target}` : "");
  }
  showActions(d);
}

// --- 附件: the scans and photos taken at the window, opened with the signed-in token (never a bare link) ---

const KINDS = { "image/jpeg": ["JPG", "jpg"], "image/png": ["PNG", "png"], "application/pdf": ["PDF", "pdf"] };

function materialItem(caseId, m) {
  const item = el("li", `${m.name}：${m.state_name}`);
  m.attachments.forEach((a, index) => {
    const [kind] = KINDS[a.media_type] || [a.media_type];
    const link = el("a", `附件${index + 1}（${kind}，${Math.max(1, Math.round(a.size / 1024))} KB）`, "attachment");
    link.href = `${API}/cases/${caseId}/attachments/${a.id}`;
    link.dataset.attachmentId = a.id;
    link.title = `${a.attached_by} 于 ${when(a.attached_at)} 上传`;
    link.addEventListener("click", (event) => { event.preventDefault(); openAttachment(caseId, m.name, index, a); });
    item.append(" ", link);
  });
  return item;
}

async function openAttachment(caseId, name, index, a) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  try {
    const response = await fetch(`${API}/cases/${caseId}/attachments/${a.id}`, {
      headers: { Authorization: `Bearer ${token}` }, cache: "no-store",
    });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      if (response.status === 401) { signOut("登录已失效，请重新登录"); return; }
      throw new HttpError(response.status, body);
    }
    const url = URL.createObjectURL(await response.blob());
    const save = document.createElement("a");
    save.href = url;
    save.download = `${name}-附件${index + 1}.${(KINDS[a.media_type] || ["", "bin"])[1]}`;
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    toast(error.message);
  }
}

function showActions(d) {
  const status = d.case.status;
  const open = ["ACCEPTED", "IN_PROGRESS", "SUSPENDED"].includes(status);
  const suspended = status === "SUSPENDED";
  $("actions").hidden = !open;
  $("step-form").hidden = suspended || !d.next_phase;
  $("return-form").hidden = suspended;
  $("special-start-form").hidden = suspended;
  $("special-end-form").hidden = !suspended;
  $("conclude-form").hidden = suspended;
  const names = { UNDERTAKE: "承办", REVIEW: "审核", APPROVE: "批准" };
  if (d.next_phase) $("step-title").textContent = `${names[d.next_phase]}环节`;
  $("step-return").hidden = d.next_phase === "UNDERTAKE";
  showOutcomeFields();
}

function showOutcomeFields() {
  const outcome = $("conclude-outcome").value;
  for (const node of document.querySelectorAll(".if-approved")) node.hidden = outcome !== "APPROVED";
  for (const node of document.querySelectorAll(".if-denied")) node.hidden = outcome !== "DENIED";
  for (const node of document.querySelectorAll(".if-transferred")) node.hidden = outcome !== "TRANSFERRED";
}

async function act(path, body, done) {
  try {
    const detail = await call("POST", `/backoffice/cases/${state.selected}${path}`, body);
    state.detail = detail;
    showCase(detail);
    toast(done);
    await loadQueue();
    return true;
  } catch (error) {
    if (error.status !== 401) toast(error.message);
    return false;
  }
}

function step(action) {
  const opinion = $("step-opinion").value.trim();
  if (opinion.length < 2) { toast("请填写处理意见"); return; }
  act("/steps", { phase: state.detail.next_phase, action, result: $("step-result").value, opinion },
    action === "PASS" ? "已提交" : "已退回上一环节").then((ok) => { if (ok) $("step-opinion").value = ""; });
}

async function conclude(event) {
  event.preventDefault();
  const outcome = $("conclude-outcome").value;
  const body = { outcome, description: $("conclude-description").value.trim() };
  if (outcome === "APPROVED" && $("cert-name").value.trim()) {
    body.certificate = {
      name: $("cert-name").value.trim(), number: $("cert-number").value.trim(),
      identifier: $("cert-identifier").value.trim() || null,
    };
  }
  if (outcome === "DENIED") body.reason = $("conclude-reason").value.trim();
  if (outcome === "TRANSFERRED") body.transfer_target = $("conclude-target").value.trim();
  $("conclude-error").textContent = "";
  try {
    const detail = await call("POST", `/backoffice/cases/${state.selected}/conclusion`, body);
    showCase(detail);
    toast("已办结");
    await loadQueue();
  } catch (error) {
    if (error.status !== 401) $("conclude-error").textContent = error.message;
  }
}

// --- sign-in ---------------------------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

async function start() {
  try {
    const me = await call("GET", "/auth/me");
    $("user-name").textContent = (me.staff && me.staff.name) || "";
  } catch (error) {
    if (error.status !== 401) signOut(error.message);
    return;
  }
  $("login").hidden = true;
  $("app").hidden = false;
  try {
    await loadQueue();
  } catch (error) {
    if (error.status !== 401) toast(error.message);
  }
}

function wire() {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const result = await call("POST", "/auth/login", {
        login: $("login-name").value.trim(), password: $("login-password").value,
      });
      sessionStorage.setItem(TOKEN_KEY, result.token);
      await start();
    } catch (error) {
      $("login-error").textContent = error.message;
    }
  });
  $("logout").addEventListener("click", () => signOut(""));
  $("filter-status").addEventListener("change", () => { state.offset = 0; loadQueue(); });
  $("filter-warning").addEventListener("change", () => { state.offset = 0; loadQueue(); });
  $("prev-page").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE); loadQueue(); });
  $("next-page").addEventListener("click", () => { state.offset += PAGE; loadQueue(); });
  $("step-form").addEventListener("submit", (event) => { event.preventDefault(); step("PASS"); });
  $("step-return").addEventListener("click", () => step("RETURN"));
  $("return-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("/return", { missing: $("return-missing").value, opinion: $("return-opinion").value.trim() }, "已退回窗口补正");
  });
  $("special-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("/special-procedures", {
      kind: $("special-kind").value, reason_basis: $("special-reason").value.trim(),
      expected_days: Number($("special-days").value),
    }, "特别程序已启动，暂停计时");
  });
  $("special-end-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("/special-procedures/end", {
      result: $("special-result").value.trim(), opinion: $("special-opinion").value.trim(),
    }, "特别程序已结束，恢复计时");
  });
  $("conclude-outcome").addEventListener("change", showOutcomeFields);
  $("conclude-form").addEventListener("submit", conclude);
}

wire();
if (sessionStorage.getItem(TOKEN_KEY)) start(); else signOut("");
