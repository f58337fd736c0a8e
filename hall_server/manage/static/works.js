// The work views of the managers' dashboard: 差评整改 (#/followups) and 投诉 (#/complaints). Each is a
// filtered list (newest first, as the server sorts it), its CSV export, and the selected item in full with
// one form per step its state allows now (`steps`, from the server). Built on manage.js: call(),
// download(), toast(), sessionExpired(), the hall's windows, and the `manage:*` events it announces.
// Text from the server is only ever set as textContent.
"use strict";

const LEVEL_NAMES = {
  VERY_SATISFIED: "非常满意", SATISFIED: "满意", BASIC: "基本满意", DISSATISFIED: "不满意",
  VERY_DISSATISFIED: "非常不满意",
};
const VERIFY_NAMES = { VERIFIED_TRUE: "属实", NOT_TRUE: "不属实", MISTAKEN: "误评", MALICIOUS: "恶意" };
const REVISIT_NAMES = { SATISFIED: "满意", BASICALLY: "基本满意", DISSATISFIED: "不满意", UNREACHABLE: "联系不上" };
const APPEAL_NAMES = { PENDING: "待复核", UPHELD: "复核维持差评", OVERTURNED: "复核撤销差评" };
const DECISION_NAMES = { UPHELD: "维持差评", OVERTURNED: "撤销差评（误评/恶意，不计入）" };
const CHANNEL_NAMES = { WINDOW: "窗口", KIOSK: "自助终端", FOLLOW_PAGE: "跟踪页", HOTLINE_12345: "12345热线" };
const WARNING_LABELS = { red: "已超期", yellow: "临期" };
const LIST_LIMIT = 1000; // the server lists at most this many

const minuteFormat = new Intl.DateTimeFormat("sv-SE", { // 2026-11-25 09:05
  timeZone: config.timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit", hour12: false,
});

function minute(iso) {
  return iso ? minuteFormat.format(new Date(iso)) : "—";
}

function element(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "aria") node.setAttribute("aria-label", value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function orDash(text) {
  return text || "—";
}

function withNote(name, note) {
  if (!name) return "—";
  return note ? `${name}（${note}）` : name;
}

function windowAndClerk(item, clerkLabel) {
  const place = item.window_no ? `${item.window_no}号窗口` : "";
  const clerk = item.staff_name ? `${clerkLabel} ${item.staff_name}` : "";
  return orDash([place, clerk].filter(Boolean).join(" · "));
}

// --- the department: a 进驻部门 from GET /departments (active ones), the item's own preselected ---------

let departmentList = null; // a promise of the active departments, read once per page

function activeDepartments() {
  departmentList ??= call("GET", "/departments")
    .then((all) => all.filter((d) => d.active))
    .catch((failure) => {
      departmentList = null; // read again with the next form
      throw failure;
    });
  return departmentList;
}

function departmentField(id, label, current) {
  const select = element("select", {
    id, name: "department_code", className: "department", required: true, aria: label,
  });
  select.append(element("option", { value: "", text: "请选择部门" }));
  activeDepartments().then((departments) => {
    for (const d of departments) select.append(element("option", { value: d.code, text: d.name }));
    if (current) select.value = current;
  }, () => select.append(element("option", { value: "", text: "部门列表读取失败，请刷新" })));
  return element("label", { className: "stack" }, [label, select]);
}

function departmentValue(form) {
  return { department_code: form.querySelector(".department").value };
}

// --- step forms, from a spec per step ------------------------------------------------------------------

const NOTE = { kind: "text", name: "note", label: "说明（可选）", max: 500 };

function textField(id, field) {
  const input = element("textarea", {
    id, name: field.name, rows: 2, maxLength: field.max, required: Boolean(field.required),
    aria: field.label,
  });
  return element("label", { className: "stack" }, [field.label, input]);
}

function choiceField(id, field) {
  const options = Object.entries(field.options).map(([value, name]) => {
    const radio = element("input", {
      type: "radio", id: `${id}-${value}`, name: field.name, value, required: true, aria: name,
    });
    return element("label", { className: "choice" }, [radio, name]);
  });
  const legend = element("legend", { text: field.label });
  return element("fieldset", { id, className: "choices" }, [legend, ...options]);
}

function stepField(prefix, field, item) {
  if (field.kind === "department") {
    return departmentField(`${prefix}-department`, field.label, item.department_code);
  }
  const id = `${prefix}-${field.name}`;
  return field.kind === "choice" ? choiceField(id, field) : textField(id, field);
}

function stepBody(spec, form) {
  const body = {};
  for (const field of spec.fields) {
    if (field.kind === "department") Object.assign(body, departmentValue(form));
    else body[field.name] = form.elements[field.name].value.trim();
  }
  return body;
}

function stepForm(view, item, spec) {
  const prefix = `${view.one}-${spec.step}`;
  const title = spec.title(item);
  const form = element("form", { id: `${prefix}-form`, className: "step-form", aria: title });
  const error = element("p", { id: `${prefix}-error`, className: "error", role: "alert" });
  const submit = element("button", {
    id: `${prefix}-submit`, type: "submit", text: spec.submit, aria: spec.submit,
  });
  form.append(...spec.fields.map((field) => stepField(prefix, field, item)), error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    takeStep(view, item.id, spec, form);
  });
  const secondary = spec.secondary ? spec.secondary(item) : false;
  const summary = element("summary", { id: `${prefix}-toggle`, text: title, aria: title });
  return element("details", { id: `${prefix}-step`, className: "step", open: !secondary }, [summary, form]);
}

async function takeStep(view, id, spec, form) {
  const submit = form.querySelector("button[type=submit]");
  const error = form.querySelector(".error");
  submit.disabled = true;
  error.textContent = "";
  try {
    const item = await call("POST", `${view.path}/${id}/${spec.step}`, stepBody(spec, form));
    toast(`${view.label} ${id} ${spec.done}`);
    if (view.selected === id) showDetail(view, item, true);
    loadList(view);
  } catch (failure) {
    if (failure instanceof HttpError && failure.status === 401) {
      sessionExpired();
      return;
    }
    error.textContent = failure instanceof HttpError ? failure.message : "无法连接大厅服务器，请稍后再试";
  } finally {
    submit.disabled = false;
  }
}

// --- 差评整改 ----------------------------------------------------------------------------------------------

const FOLLOWUP_FORMS = [
  {
    step: "assign", title: (f) => (f.status === "OPEN" ? "分派" : "重新分派"), submit: "分派", done: "已分派",
    secondary: (f) => f.status !== "OPEN", fields: [{ kind: "department", label: "责任部门" }, NOTE],
  },
  {
    step: "verify", title: () => "核实", submit: "提交核实结果", done: "已核实",
    fields: [{ kind: "choice", name: "result", label: "核实结果", options: VERIFY_NAMES }, NOTE],
  },
  {
    step: "rectify", title: () => "整改", submit: "提交整改记录", done: "已记录整改",
    fields: [{ kind: "text", name: "record", label: "整改记录", max: 1000, required: true }],
  },
  {
    step: "reply", title: (f) => (f.status === "VERIFIED" ? "答复办事人（解释说明）" : "答复办事人"),
    submit: "提交答复", done: "已答复",
    fields: [{ kind: "text", name: "text", label: "答复内容", max: 1000, required: true }],
  },
  {
    step: "revisit", title: () => "回访", submit: "提交回访结果", done: "已回访",
    fields: [{ kind: "choice", name: "result", label: "回访结果", options: REVISIT_NAMES }, NOTE],
  },
  { step: "close", title: () => "办结", submit: "办结", done: "已办结", fields: [NOTE] },
  {
    step: "appeal", title: () => "申诉（代窗口工作人员）", submit: "提交申诉", done: "已提交申诉",
    secondary: () => true,
    fields: [{ kind: "text", name: "reason", label: "申诉理由", max: 500, required: true }],
  },
  {
    step: "review", title: () => "复核申诉", submit: "提交复核", done: "已复核",
    fields: [{ kind: "choice", name: "decision", label: "复核决定", options: DECISION_NAMES }, NOTE],
  },
];

function followupStatus(f) {
  if (f.excluded) return `${f.status_name}（差评已撤销，不计入）`;
  return f.appeal_state === "PENDING" ? `${f.status_name} · 申诉待复核` : f.status_name;
}

function followupDeadlines(f) {
  return f.deadlines.map((d) => ({
    key: d.step, label: `${FOLLOWUP_STEPS[d.step]}期限`, due: d.due, warning: d.warning,
    state: d.done_at ? `已完成 ${minute(d.done_at)}` : (f.status === "CLOSED" ? "无需办理" : "未完成"),
  }));
}

function followupDue(f) { // the deadline now due: the one with its warning, else the next not met
  if (f.status === "CLOSED") return null;
  const open = f.deadlines.filter((d) => !d.done_at);
  const due = open.find((d) => d.warning === f.warning) || open[0];
  return due ? { label: FOLLOWUP_STEPS[due.step], due: due.due, warning: due.warning } : null;
}

function followupCells(f) { // "wide": only on wide screens (the detail has it); "clip": cut with …
  const appeal = f.appeal_state === "PENDING" ? "（申诉中）" : "";
  return [
    [String(f.id), "num"], [f.opened_on], [f.window_no ? `${f.window_no}号` : "—"], [f.staff_name, "wide"],
    [LEVEL_NAMES[f.level] || f.level, "wide"], [f.evaluation_text || "（未填写）", "clip grow"],
    [f.status_name + appeal], [followupDue(f)], [f.department, "clip wide"],
  ];
}

function followupFacts(f) {
  const appeal = f.appeal_state ? `${APPEAL_NAMES[f.appeal_state]}：${f.appeal_reason}` : "—";
  return [
    ["level", "评价", `${LEVEL_NAMES[f.level] || f.level}（${f.assess_number === 1 ? "首次评价" : "追评"}）`],
    ["text", "评价内容", f.evaluation_text || "（未填写）"],
    ["opened-on", "评价日期", f.opened_on],
    ["window", "窗口", windowAndClerk(f, "办理人")],
    ["status", "状态", followupStatus(f)],
    ["department", "责任部门", orDash(f.department)],
    ["assignee", "责任人", orDash(f.assignee_name)],
    ["verify", "核实结果", withNote(VERIFY_NAMES[f.verify_result], f.verify_note)],
    ["rectification", "整改记录", orDash(f.rectification)],
    ["reply", "答复办事人", orDash(f.reply)],
    ["revisit", "回访结果", withNote(REVISIT_NAMES[f.revisit_result], f.revisit_note)],
    ["appeal", "申诉", appeal],
    ["review", "复核意见", orDash(f.review_note)],
    ["closed-at", "办结时间", minute(f.closed_at)],
  ];
}

// --- 投诉 ------------------------------------------------------------------------------------------------

const COMPLAINT_FORMS = [
  {
    step: "route", title: (c) => (c.status === "RECORDED" ? "转办" : "改派承办部门"), submit: "转办", done: "已转办",
    secondary: (c) => c.status !== "RECORDED", fields: [{ kind: "department", label: "承办部门" }],
  },
  {
    step: "answer", title: () => "答复", submit: "提交答复", done: "已答复",
    fields: [{ kind: "text", name: "reply", label: "答复内容", max: 2000, required: true }],
  },
  { step: "close", title: () => "办结", submit: "办结", done: "已办结", fields: [NOTE] },
  {
    step: "reopen", title: () => "重新打开", submit: "重新打开", done: "已重新打开",
    secondary: (c) => c.status !== "CLOSED",
    fields: [{ kind: "text", name: "reason", label: "重新打开原因", max: 500, required: true }],
  },
];

function complaintStatus(c) {
  return c.reopen_count ? `${c.status_name}（重新打开 ${c.reopen_count} 次）` : c.status_name;
}

function complaintAnswered(c) {
  if (!c.answered_at) return c.status === "CLOSED" ? "无需办理" : "未答复";
  return `已答复 ${minute(c.answered_at)}${c.answered_late ? "（超期答复）" : ""}`;
}

function complaintDeadlines(c) {
  return [{ key: "answer", label: "答复期限", due: c.due_date, warning: c.warning, state: complaintAnswered(c) }];
}

function complaintCells(c) {
  const due = { label: c.answered_late ? "超期答复" : "", due: c.due_date, warning: c.warning };
  return [
    [String(c.id), "num"], [minute(c.recorded_at)], [CHANNEL_NAMES[c.channel] || c.channel],
    [c.subject_name, "wide"], [c.text, "clip grow"], [c.window_no ? `${c.window_no}号` : "—"], [c.status_name],
    [due], [c.department, "clip wide"],
  ];
}

function complaintFacts(c) {
  const channel = CHANNEL_NAMES[c.channel] || c.channel;
  return [
    ["channel", "渠道", c.external_ref ? `${channel}（工单号 ${c.external_ref}）` : channel],
    ["subject", "投诉类别", c.subject_name],
    ["text", "投诉内容", c.text],
    ["contact", "联系电话", c.contact || "未留"],
    ["ticket", "号票", orDash(c.ticket_number)],
    ["matter", "事项", orDash(c.matter_name)],
    ["window", "窗口", windowAndClerk(c, "被投诉人")],
    ["status", "状态", complaintStatus(c)],
    ["department", "承办部门", orDash(c.department)],
    ["assignee", "承办人", orDash(c.assignee_name)],
    ["reply", "答复", orDash(c.reply)],
    ["recorded-at", "登记时间", minute(c.recorded_at)],
    ["routed-at", "转办时间", minute(c.routed_at)],
    ["closed-at", "办结时间", minute(c.closed_at)],
  ];
}

// --- a view: list, export, detail ----------------------------------------------------------------------

function workView(shape) {
  return { ...shape, items: [], selected: null, seq: 0, timer: null };
}

const workViews = {
  followups: workView({
    name: "followups", one: "followup", label: "差评整改", path: "/followups", events: "evaluation_followup.",
    exportName: "差评整改.csv", forms: FOLLOWUP_FORMS, cells: followupCells, facts: followupFacts,
    deadlines: followupDeadlines,
  }),
  complaints: workView({
    name: "complaints", one: "complaint", label: "投诉", path: "/complaints", events: "complaint.",
    exportName: "投诉.csv", forms: COMPLAINT_FORMS, cells: complaintCells, facts: complaintFacts,
    deadlines: complaintDeadlines,
  }),
};

function filtersOf(view) {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData($(`${view.name}-filters`))) if (value) query.set(name, value);
  return query;
}

function fillWindows(view) {
  const select = $(`${view.name}-filter-window`);
  const numbers = [...hallState.windows.keys()].sort((a, b) => a - b);
  if (select.options.length === numbers.length + 1) return;
  const chosen = select.value;
  select.replaceChildren(new Option("全部窗口", ""), ...numbers.map((n) => new Option(`${n}号窗口`, String(n))));
  select.value = chosen;
}

function warningBadge(warning) {
  const label = WARNING_LABELS[warning];
  return label ? [element("span", { className: `badge ${warning}`, text: label })] : [];
}

function dueCell(due) {
  if (!due) return element("td", { text: "—" });
  const text = [due.label, due.due].filter(Boolean).join(" ");
  return element("td", { className: "due" }, [text, ...warningBadge(due.warning)]);
}

function listCell(value, className = "") {
  if (value !== null && typeof value === "object") return dueCell(value);
  const text = orDash(value);
  if (!className.includes("clip")) return element("td", { className, text });
  return element("td", { className }, [element("div", { className: "clip-text", text, title: text })]);
}

function listRow(view, item) {
  const name = `${view.label} ${item.id}`;
  const row = element("tr", { id: `${view.one}-row-${item.id}`, tabIndex: 0, aria: name });
  row.dataset.id = String(item.id);
  row.dataset.status = item.status;
  row.dataset.warning = item.warning;
  row.append(...view.cells(item).map(([value, className]) => listCell(value, className)));
  row.addEventListener("click", () => select(view, item.id));
  row.addEventListener("keydown", (event) => {
    if (event.key === "Enter") select(view, item.id);
  });
  return row;
}

function markSelected(view) {
  for (const row of $(`${view.name}-rows`).children) {
    const chosen = Number(row.dataset.id) === view.selected;
    row.classList.toggle("selected", chosen);
    row.setAttribute("aria-selected", String(chosen));
  }
}

function renderTotal(view) {
  const items = view.items;
  const red = items.filter((i) => i.warning === "red").length;
  const yellow = items.filter((i) => i.warning === "yellow").length;
  const more = items.length >= LIST_LIMIT ? `（仅列出最新 ${LIST_LIMIT} 条，请缩小筛选范围）` : "";
  const total = $(`${view.name}-total`);
  total.classList.remove("error");
  total.textContent = `共 ${items.length} 条 · 红色 ${red} · 黄色 ${yellow}${more}`;
}

function renderList(view) {
  $(`${view.name}-rows`).replaceChildren(...view.items.map((item) => listRow(view, item)));
  $(`${view.name}-empty`).hidden = view.items.length > 0;
  markSelected(view);
  renderTotal(view);
}

function failed(view, failure) {
  if (failure instanceof HttpError && failure.status === 401) {
    sessionExpired();
    return;
  }
  const total = $(`${view.name}-total`);
  total.classList.add("error");
  total.textContent = failure instanceof HttpError ? failure.message : "无法连接大厅服务器，请稍后再试";
}

function fillDepartments(view) {
  const select = $(`${view.name}-filter-department`);
  if (select.options.length > 1) return;
  activeDepartments().then((departments) => {
    if (select.options.length > 1) return;
    select.append(...departments.map((d) => new Option(d.name, d.code)));
  }, () => {}); // the filter stays at 全部部门; the step forms say the list could not be read
}

async function loadList(view) {
  const seq = ++view.seq; // a newer request (filters changed) wins over a slower older one
  fillWindows(view);
  fillDepartments(view);
  try {
    const items = await call("GET", `${view.path}?${filtersOf(view)}`);
    if (seq !== view.seq) return;
    view.items = items;
    renderList(view);
  } catch (failure) {
    if (seq === view.seq) failed(view, failure);
  }
}

function factList(view, item) {
  return view.facts(item).flatMap(([key, label, text]) => [
    element("dt", { text: label }),
    element("dd", { id: `${view.one}-fact-${key}`, text }),
  ]);
}

function deadlineItem(view, deadline) {
  const id = `${view.one}-deadline-${deadline.key}`;
  const item = element("li", { id, className: `deadline ${deadline.warning}` }, [
    element("span", { className: "d-label", text: deadline.label }),
    element("span", { className: "d-due", text: deadline.due }),
    ...warningBadge(deadline.warning),
    element("span", { className: "d-state", text: deadline.state }),
  ]);
  item.dataset.warning = deadline.warning;
  return item;
}

// A live refresh keeps the forms (and what the manager is typing) unless the steps allowed have changed.
function showDetail(view, item, rebuildForms) {
  $(`${view.one}-detail-none`).hidden = true;
  $(`${view.one}-detail-body`).hidden = false;
  $(`${view.one}-detail-title`).textContent = `${view.label} ${item.id} · ${item.status_name}`;
  $(`${view.one}-detail-title`).dataset.warning = item.warning;
  $(`${view.one}-facts`).replaceChildren(...factList(view, item));
  $(`${view.one}-deadlines`).replaceChildren(...view.deadlines(item).map((d) => deadlineItem(view, d)));
  const steps = $(`${view.one}-steps`);
  const key = `${item.id}:${item.steps.join(",")}`;
  if (!rebuildForms && steps.dataset.key === key) return;
  steps.dataset.key = key;
  const forms = item.steps.map((step) => view.forms.find((spec) => spec.step === step)).filter(Boolean);
  steps.replaceChildren(...(forms.length
    ? forms.map((spec) => stepForm(view, item, spec))
    : [element("p", { id: `${view.one}-steps-none`, className: "empty", text: "已办结，无需办理" })]));
}

function showNone(view) {
  $(`${view.one}-detail-none`).hidden = false;
  $(`${view.one}-detail-body`).hidden = true;
  $(`${view.one}-steps`).replaceChildren();
  delete $(`${view.one}-steps`).dataset.key;
}

async function loadDetail(view, rebuildForms) {
  const id = view.selected;
  if (id === null) {
    showNone(view);
    return;
  }
  try {
    const item = await call("GET", `${view.path}/${id}`);
    if (view.selected === id) showDetail(view, item, rebuildForms);
  } catch (failure) {
    if (failure instanceof HttpError && failure.status === 401) sessionExpired();
    else toast(failure.message || "无法读取详情，请稍后再试");
  }
}

function select(view, id) {
  history.replaceState(null, "", `#/${view.name}/${id}`);
  view.selected = id;
  markSelected(view);
  loadDetail(view, true);
}

// --- which view is shown: the address's #/followups[/id] or #/complaints[/id]; anything else the hall ---

function route() {
  const [, name, id] = /^#\/(\w+)(?:\/(\d+))?$/.exec(location.hash) || [];
  const view = workViews[name] || null;
  $("hall-view").hidden = view !== null;
  for (const [key, each] of Object.entries(workViews)) $(`${key}-view`).hidden = each !== view;
  for (const tab of document.querySelectorAll(".tabs .tab")) {
    const chosen = tab.id === `tab-${view ? view.name : "hall"}`;
    tab.classList.toggle("active", chosen);
    tab.setAttribute("aria-selected", String(chosen));
  }
  if (!view) return;
  if (id) view.selected = Number(id);
  loadList(view);
  loadDetail(view, true);
}

function refreshSoon(view) {
  if ($(`${view.name}-view`).hidden) return; // it is read again when shown
  if (view.timer !== null) return; // one read per burst of events
  view.timer = setTimeout(() => {
    view.timer = null;
    loadList(view);
    loadDetail(view, false);
  }, LOAD_DEBOUNCE_MS);
}

function resetView(view) {
  clearTimeout(view.timer);
  Object.assign(view, { items: [], selected: null, seq: view.seq + 1, timer: null });
  $(`${view.name}-filters`).reset();
  $(`${view.name}-rows`).replaceChildren();
  $(`${view.name}-total`).textContent = "";
  showNone(view);
}

function startWorks() {
  for (const view of Object.values(workViews)) {
    $(`${view.name}-filters`).addEventListener("submit", (event) => {
      event.preventDefault();
      loadList(view);
    });
    $(`${view.name}-filters`).addEventListener("change", () => loadList(view));
    $(`${view.name}-clear`).addEventListener("click", () => {
      $(`${view.name}-filters`).reset();
      loadList(view);
    });
    $(`${view.name}-export`).addEventListener("click", () => {
      download(`${view.path}/export?${filtersOf(view)}`, view.exportName);
    });
  }
  window.addEventListener("hashchange", route);
  document.addEventListener("manage:signed-in", route);
  document.addEventListener("manage:signed-out", () => Object.values(workViews).forEach(resetView));
  document.addEventListener("manage:event", (event) => {
    for (const view of Object.values(workViews)) if (event.detail.startsWith(view.events)) refreshSoon(view);
  });
}

startWorks();
