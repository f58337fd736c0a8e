// The case progress page (/c/{case number}), opened from the QR code on the 受理回执: the visitor types the
// query password printed on the receipt; the answer is the case's status in the contract's words (R3). A
// 一件事's joint number answers with the overall state and each member matter's own state.
"use strict";

const $ = (id) => document.getElementById(id);
const caseNo = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");

function say(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function show(c) {
  $("matter").textContent = c.matter_name;
  $("status").textContent = c.status_name;
  $("result").dataset.status = c.status;
  $("promised").textContent = c.promised_date || "—";
  $("delivery").textContent = c.delivery_name || "尚未出件";
  const mailed = Boolean(c.waybill_no);
  $("waybill").textContent = mailed ? c.carrier + " " + c.waybill_no : "";
  $("waybill").hidden = $("waybill-label").hidden = !mailed;
  // a 一件事 (joint case number): the overall state above, each member matter's own case below
  const members = c.members || [];
  $("members").replaceChildren(
    ...members.map((m) => {
      const item = document.createElement("li");
      item.dataset.status = m.status;
      const name = document.createElement("span");
      name.className = "member-name";
      name.textContent = m.matter_name;
      const state = document.createElement("span");
      state.className = "member-state";
      state.textContent = m.status_name;
      item.append(name, state);
      return item;
    }),
  );
  $("members-box").hidden = members.length === 0;
  $("ask").hidden = true;
  $("result").hidden = false;
}

async function ask(event) {
  event.preventDefault();
  const password = $("password").value.trim();
  if (!/^\d{6}$/.test(password)) return say("查询密码是6位数字，请核对受理回执");
  $("submit").disabled = true;
  say("");
  try {
    const response = await fetch("/api/v1/public/case-query", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ local_case_no: caseNo, query_password: password }),
      cache: "no-store",
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) return show(body);
    $("password").value = "";
    if (response.status === 429) say(body.message || "查询次数过多，请稍后再试");
    else if (response.status === 422) say("办件编号有误，请核对受理回执上的二维码");
    else say(body.message || "办件编号或查询密码不正确");
    $("ask").dataset.code = body.code || "";
  } catch {
    say("网络连接中断，请稍后重试");
  } finally {
    $("submit").disabled = false;
  }
}

$("case-no").textContent = caseNo || "—";
$("ask").addEventListener("submit", ask);
$("again").addEventListener("click", () => {
  $("result").hidden = true;
  $("ask").hidden = false;
  $("password").focus();
});
