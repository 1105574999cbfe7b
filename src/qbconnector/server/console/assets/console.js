// qbconnector console: Users, Status and Advanced tabs. Plain JavaScript, no libraries.
// Everything shown from the server is set as text (textContent), never parsed as HTML.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, path, body) {
  const options = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (method !== "GET") options.headers["X-CSRF-Token"] = CSRF;
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    return { ok: false, status: 0, data: { errors: { "": "The connector does not answer (stopped or restarting)." } } };
  }
  if (response.status === 401) {
    window.location.assign("/signin");
    return { ok: false, status: 401, data: {} };
  }
  let data = {};
  try { data = await response.json(); } catch (error) { data = {}; }
  return { ok: response.ok, status: response.status, data };
}

function announce(text) {
  const region = $("announce");
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

function showNotice(node, kind, text) {
  node.className = "notice " + kind;
  node.textContent = text;
}

function when(iso) {
  if (!iso) return "never";
  const moment = new Date(iso);
  const today = new Date();
  const time = moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return moment.toDateString() === today.toDateString() ? time : moment.toLocaleDateString() + " " + time;
}

function duration(seconds) {
  seconds = Math.floor(seconds);
  const days = Math.floor(seconds / 86400), hours = Math.floor(seconds % 86400 / 3600);
  const minutes = Math.floor(seconds % 3600 / 60), secs = seconds % 60;
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${secs} s`;
  return `${secs} s`;
}

function badge(on, yes, no) {
  return el("span", { className: "badge " + (on ? "on" : "off"), text: on ? yes : no });
}

// -- tabs -----------------------------------------------------------------------------------
const TABS = ["users", "status", "advanced"];
const loaders = {};

function selectTab(name, focus) {
  for (const tab of TABS) {
    const button = $("tab-" + tab), panel = $("panel-" + tab);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    panel.hidden = !selected;
  }
  if (focus) $("tab-" + name).focus();
  if (window.location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  if (loaders[name]) loaders[name]();
}

function currentTab() {
  return TABS.find((tab) => $("tab-" + tab).getAttribute("aria-selected") === "true");
}

function setUpTabs() {
  for (const tab of TABS) {
    const button = $("tab-" + tab);
    button.addEventListener("click", () => selectTab(tab, false));
    button.addEventListener("keydown", (event) => {
      const index = TABS.indexOf(tab);
      let next = null;
      if (event.key === "ArrowRight") next = TABS[(index + 1) % TABS.length];
      else if (event.key === "ArrowLeft") next = TABS[(index + TABS.length - 1) % TABS.length];
      else if (event.key === "Home") next = TABS[0];
      else if (event.key === "End") next = TABS[TABS.length - 1];
      if (next) { event.preventDefault(); selectTab(next, true); }
    });
  }
}

// -- field errors ---------------------------------------------------------------------------
function clearErrors(form) {
  for (const node of form.querySelectorAll(".error")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function showErrors(errors, fieldFor) {
  let first = null;
  for (const [key, message] of Object.entries(errors || {})) {
    const target = $("err-" + key);
    if (target) target.textContent = message;
    const field = fieldFor(key);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      if (!first) first = field;
    }
  }
  if (first) first.focus();
  announce(Object.values(errors || {}).join(" "));
}

// -- Users tab ------------------------------------------------------------------------------
let users = [];
let editing = null;

async function loadUsers() {
  const { data } = await api("GET", "/api/users");
  users = data.users || [];
  const problem = $("users-problem");
  problem.classList.toggle("hidden", !data.problem);
  problem.textContent = data.problem || "";
  const body = $("users-table").tBodies[0];
  body.replaceChildren(...users.map(userRow));
  if (!users.length) {
    body.append(el("tr", {}, el("td", { colspan: 12, text: "No users yet: add one so applications can connect." })));
  }
  updateUserFilter();
}

function userRow(user) {
  const name = user.user;
  return el("tr", { "data-user": name },
    el("th", { scope: "row", text: name }),
    el("td", {}, user.read_only ? el("span", { className: "badge warn", text: "Read-only" }) : el("span", { className: "badge", text: "Full" })),
    el("td", { text: user.auth === "system" ? "System" : "Basic" }),
    el("td", { className: "mono", text: user.company_file || "(default)" }),
    el("td", { text: user.app_name || "(from the application)" }),
    el("td", { text: user.connection_mode }),
    el("td", {}, badge(user.authorized, "Yes", "No")),
    el("td", {}, badge(user.connected, "Connected", "No")),
    el("td", { className: "num", text: user.persistent }),
    el("td", { text: when(user.last_request) }),
    el("td", { className: "num", text: user.requests_today }),
    el("td", {}, el("div", { className: "actions" },
      el("button", { type: "button", "aria-label": `Edit ${name}`, onclick: () => openUserDialog(user) }, "Edit"),
      el("button", { type: "button", "aria-label": `Test Connection as ${name}`, onclick: (event) => testConnection(name, $("user-test-result"), event.currentTarget) }, "Test Connection"),
      el("button", { type: "button", className: "danger", "aria-label": `Delete ${name}`, onclick: () => confirmDelete(name) }, "Delete"))));
}

function openUserDialog(user) {
  editing = user ? user.user : null;
  const form = $("user-form");
  form.reset();
  clearErrors(form);
  $("user-dialog-title").textContent = user ? `Edit user ${user.user}` : "Add user";
  $("u-name").value = user ? user.user : "";
  $("u-name").readOnly = Boolean(user);
  $("u-auth").value = user ? user.auth : "basic";
  $("u-read-only").checked = user ? user.read_only : false;
  $("u-company").value = user ? user.company_file : "";
  $("u-app").value = user ? user.app_name : "";
  $("u-mode").value = user ? user.connection_mode : "DontCare";
  $("u-authorized").checked = user ? user.authorized : false;
  $("u-authorized-field").classList.toggle("hidden", !user);
  $("u-password-help").textContent = user && user.auth === "basic"
    ? "Leave both empty to keep the current password. It is stored hashed and never shown."
    : "Entered twice; stored hashed and never shown again.";
  syncAuth();
  $("user-dialog").showModal();
  (user ? $("u-auth") : $("u-name")).focus();
}

function syncAuth() {
  $("u-password-fields").classList.toggle("hidden", $("u-auth").value !== "basic");
}

async function saveUser(event) {
  event.preventDefault();
  const form = $("user-form");
  clearErrors(form);
  const body = {
    name: $("u-name").value, auth: $("u-auth").value, password: $("u-password").value,
    password2: $("u-password2").value, read_only: $("u-read-only").checked,
    company_file: $("u-company").value, app_name: $("u-app").value,
    connection_mode: $("u-mode").value,
  };
  if (editing !== null) body.authorized = $("u-authorized").checked;
  const path = editing === null ? "/api/users" : "/api/users/" + encodeURIComponent(editing);
  const { ok, data } = await api(editing === null ? "POST" : "PUT", path, body);
  if (!ok) {
    const fields = { name: "u-name", auth: "u-auth", password: "u-password", password2: "u-password2",
                     company_file: "u-company", app_name: "u-app", connection_mode: "u-mode" };
    showErrors(data.errors || { "": "Not saved." }, (key) => fields[key] ? $(fields[key]) : null);
    return;
  }
  $("user-dialog").close();
  announce(editing === null ? `User ${body.name} added.` : `User ${editing} saved.`);
  await loadUsers();
}

let deleting = null;
function confirmDelete(name) {
  deleting = name;
  $("delete-name").textContent = name;
  $("delete-dialog").showModal();
  $("delete-cancel").focus();
}

async function deleteUser() {
  const name = deleting;
  $("delete-dialog").close();
  const { ok, data } = await api("DELETE", "/api/users/" + encodeURIComponent(name));
  announce(ok ? `User ${name} deleted.` : Object.values(data.errors || {}).join(" "));
  await loadUsers();
}

async function testConnection(user, target, button) {
  if (button) button.disabled = true;
  target.className = "notice";
  target.textContent = user ? `Testing the connection as ${user}...` : "Testing the connection...";
  const { data } = await api("POST", "/api/test-connection", user ? { user } : {});
  if (button) button.disabled = false;
  if (data.errors) {
    showNotice(target, "bad", Object.values(data.errors).join(" "));
    return;
  }
  const who = data.user ? `as ${data.user}` : "with the connector's defaults";
  const rows = data.ok ? [
    el("strong", { text: `Connected ${who}.` }),
    el("br"), `Company: ${data.company_name || "(no name)"}`,
    el("br"), "Company file: ", el("span", { className: "mono", text: data.opened_file }),
    el("br"), `qbXML versions: ${data.versions.join(", ")} (newest ${data.newest_version})`,
    el("br"), `Application "${data.app_name}" authorized: ${data.authorized ? "yes" : "no"}`,
  ] : [
    el("strong", { text: `Could not connect ${who}.` }),
    el("br"), `${data.hresult}: ${data.message}`,
    el("br"), `What to do: ${data.advice}`,
  ];
  target.className = "notice " + (data.ok ? "good" : "bad");
  target.replaceChildren(...rows);
  announce(data.ok ? `Connected ${who}.` : `Could not connect ${who}: ${data.message}`);
  if (user) loadUsers();
}

// -- Status tab -----------------------------------------------------------------------------
async function loadStatus() {
  const { ok, data } = await api("GET", "/api/status");
  if (!ok) return;
  const queues = Object.entries(data.queues || {}).map(([name, summary]) => {
    const waiting = Object.values(summary).reduce((sum, v) => sum + (typeof v === "number" ? v : 0), 0);
    const notes = Object.entries(summary).filter(([, v]) => typeof v === "string").map(([k, v]) => `${k} ${v}`);
    return `${name}: ${waiting} waiting` + (notes.length ? ` (${notes.join(", ")})` : "");
  });
  const tls = data.tls ? (data.tls.error ? `on, but: ${data.tls.error}` : `on, expires ${data.tls.not_after.slice(0, 10)}`) : "off (plain HTTP)";
  const tiles = [
    ["Backend", data.backend], ["Company file", data.default_company || "(each user's, or the open one)"],
    ["Listening on", (data.listening || []).join(", ")], ["TLS", tls],
    ["Uptime", duration(data.uptime_seconds)], ["Requests served", data.requests],
    ["Errors", data.errors], ["Refused (401/403)", data.refused],
    ["Persistent connections", data.persistent_connections],
    ["Queue", queues.join("; ") || "empty"], ["Log mode", data.log_level + (data.log_files ? ", also to files" : "")],
    ["Settings file", data.settings_file],
  ];
  $("status-tiles").replaceChildren(...tiles.map(([label, value]) =>
    el("div", { className: "tile" }, el("dt", { text: label }), el("dd", { text: String(value) }))));
  if (data.tls && data.tls.fingerprint) {
    $("status-tiles").append(el("div", { className: "tile" }, el("dt", { text: "Certificate SHA-256" }),
      el("dd", { className: "mono", text: data.tls.fingerprint })));
  }
  $("log-mode").textContent = `Log mode: ${data.log_level} (change it on the Advanced tab).`;
  showRestart(data.restart_needed || []);
}

function showRestart(keys) {
  $("restart-banner").classList.toggle("hidden", !keys.length);
  $("restart-text").textContent = keys.length ? `Saved, but needs a restart to take effect: ${keys.join(", ")}. ` : "";
}

let logLines = [];
let lastLogId = 0;
const SEVERITY = { verbose: 0, info: 1, warning: 2, error: 3 };

async function pollLog() {
  const { ok, data } = await api("GET", "/api/log?after=" + lastLogId);
  if (!ok) return;
  const fresh = data.lines || [];
  if (!fresh.length) return;
  lastLogId = fresh[fresh.length - 1].id;
  logLines = logLines.concat(fresh).slice(-2000);
  renderLog(fresh);
}

function visible(line) {
  const level = $("log-level").value, user = $("log-user").value;
  return (SEVERITY[line.level] ?? 0) >= (SEVERITY[level] ?? 0) && (!user || line.user === user);
}

function logLine(line) {
  return el("div", { className: "line level-" + line.level },
    el("span", { className: "time", text: line.time.slice(11, 23) + " " }),
    `${line.level.toUpperCase()} ${line.message}`);
}

function renderLog(fresh) {
  const box = $("log");
  if (fresh) box.append(...fresh.filter(visible).map(logLine));
  else box.replaceChildren(...logLines.filter(visible).map(logLine));
  while (box.childNodes.length > 2000) box.firstChild.remove();
  if ($("log-follow").checked) box.scrollTop = box.scrollHeight;
  if (fresh) updateUserFilter();
}

function updateUserFilter() {
  const select = $("log-user");
  const known = new Set([...select.options].map((o) => o.value));
  const names = new Set([...users.map((u) => u.user), ...logLines.map((l) => l.user).filter(Boolean)]);
  for (const name of names) {
    if (!known.has(name)) select.append(el("option", { value: name, text: name }));
  }
}

function logText() {
  return logLines.filter(visible).map((l) => `${l.time} ${l.level.toUpperCase()} ${l.message}`).join("\n");
}

async function copyLog() {
  const text = logText();
  try {
    await navigator.clipboard.writeText(text);
    announce("Log copied.");
  } catch (error) {       // no clipboard permission: select the text for Ctrl+C instead
    const range = document.createRange();
    range.selectNodeContents($("log"));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    announce("Log selected: press Ctrl+C to copy.");
  }
}

function downloadLog() {
  const query = new URLSearchParams({ level: $("log-level").value, user: $("log-user").value });
  const link = el("a", { href: "/api/log.txt?" + query, download: "qbconnector-log.txt" });
  document.body.append(link);
  link.click();
  link.remove();
}

async function clearLog() {
  const { ok, data } = await api("POST", "/api/log/clear");
  if (!ok) return;
  lastLogId = Math.max(lastLogId, (data.next || 1) - 1);
  logLines = [];
  renderLog();
  announce("Log view cleared (log files are kept).");
}

// -- Advanced tab ---------------------------------------------------------------------------
let loadedSettings = {};

function settingInput(item) {
  const id = "s-" + item.key;
  const described = `${id}-meaning err-${item.key}`;
  if (item.kind === "bool") {
    return el("input", { type: "checkbox", id, name: item.key, checked: item.value, "aria-describedby": described });
  }
  if (item.kind === "choice") {
    const select = el("select", { id, name: item.key, "aria-describedby": described },
      ...item.choices.map(([value, label]) => el("option", { value: String(value), text: label })));
    select.value = String(item.value);
    return select;
  }
  if (item.kind === "flags") {
    return el("div", { className: "flags", role: "group", id, "aria-labelledby": `${id}-label`, "aria-describedby": described },
      ...item.choices.map(([bit, label]) => el("label", { className: "inline" },
        el("input", { type: "checkbox", "data-bit": bit, checked: (item.value & bit) !== 0 }), label)));
  }
  if (item.kind === "readonly") {
    const shown = item.key === "AdminPassword" ? (item.value ? "set" : "not set") : (item.value ? "yes" : "no");
    return el("span", { id, text: shown });
  }
  if (item.kind === "secret") {
    return el("input", { type: "password", id, name: item.key, autocomplete: "off", "aria-describedby": described,
      placeholder: item.value ? "set (type to replace)" : "not set" });
  }
  return el("input", { type: item.kind === "int" || item.kind === "number" ? "number" : "text", id, name: item.key,
    value: String(item.value), step: item.kind === "number" ? "any" : null, "aria-describedby": described });
}

function inputValue(item) {
  const node = $("s-" + item.key);
  if (item.kind === "bool") return node.checked;
  if (item.kind === "flags") {
    return [...node.querySelectorAll("input")].reduce((sum, box) => sum | (box.checked ? Number(box.dataset.bit) : 0), 0);
  }
  if (item.kind === "choice") return typeof item.value === "number" ? Number(node.value) : node.value;
  if (item.kind === "int" || item.kind === "number") return node.value === "" ? "" : Number(node.value);
  return node.value;
}

async function loadSettings() {
  const { ok, data } = await api("GET", "/api/settings");
  if (!ok) return;
  $("settings-path").textContent = data.path;
  const notice = $("settings-notice");
  if (data.problem) showNotice(notice, "bad", data.problem);
  else if ((data.warnings || []).length) showNotice(notice, "warn", data.warnings.map((w) => `${w.key}: ${w.message}`).join("\n"));
  else notice.className = "notice hidden";
  loadedSettings = {};
  const groups = (data.groups || []).map((group) => el("fieldset", {},
    el("legend", { text: group.name }),
    ...group.settings.map((item) => {
      loadedSettings[item.key] = item;
      const id = "s-" + item.key;
      const label = item.kind === "flags" || item.kind === "readonly"
        ? el("span", { id: `${id}-label`, className: "label", text: item.label })
        : el("label", { for: id, id: `${id}-label`, text: item.label });
      return el("div", { className: "setting" },
        el("div", {}, label, el("div", { className: "default", text: `${item.key} · default: ${item.default_text}` })),
        el("div", {}, settingInput(item),
          el("p", { className: "meaning", id: `${id}-meaning`, text: item.meaning }),
          el("div", { className: "error", id: `err-${item.key}` })));
    })));
  $("settings-groups").replaceChildren(...groups);
  showRestart(data.restart_needed || []);
  loadCertificate();
  loadService();
}

async function saveSettings(event) {
  event.preventDefault();
  const form = $("settings-form");
  clearErrors(form);
  const values = {};
  for (const item of Object.values(loadedSettings)) {
    if (item.kind === "readonly") continue;
    const value = inputValue(item);
    if (item.kind === "secret") { if (value) values[item.key] = value; continue; }
    if (value !== item.value) values[item.key] = value;
  }
  const notice = $("settings-notice");
  if (!Object.keys(values).length) {
    showNotice(notice, "", "Nothing changed.");
    return;
  }
  const { ok, data } = await api("PUT", "/api/settings", { values });
  if (!ok) {
    showNotice(notice, "bad", "Not saved: " + Object.entries(data.errors || {}).map(([k, m]) => k ? `${k}: ${m}` : m).join("; "));
    showErrors(data.errors, (key) => $("s-" + key));
    return;
  }
  await loadSettings();
  const restart = data.restart_needed || [];
  showNotice(notice, restart.length ? "warn" : "good", `Saved ${data.saved.join(", ")}.` +
    (restart.length ? ` Restart to apply: ${restart.join(", ")}.` : " Applied now."));
  announce(notice.textContent);
}

async function loadCertificate() {
  const { data } = await api("GET", "/api/certificate");
  const box = $("cert-info");
  if (!data.configured) {
    showNotice(box, "", "No certificate is configured. Generate one below, or set the certificate file above.");
    return;
  }
  if (data.error) {
    showNotice(box, "bad", `Certificate ${data.file}: ${data.error}`);
    return;
  }
  box.className = "notice" + (data.expired ? " bad" : "");
  box.replaceChildren(
    el("strong", { text: data.enabled ? "HTTPS is on." : "HTTPS is off (certificate ready)." }),
    el("br"), `Subject: ${data.subject}`, el("br"), `Expires: ${data.not_after.slice(0, 10)}${data.expired ? " (expired)" : ""}`,
    el("br"), "SHA-256 fingerprint (for clients to pin): ", el("span", { className: "mono", id: "cert-fingerprint", text: data.fingerprint }),
    el("br"), "File: ", el("span", { className: "mono", text: data.file }));
}

async function generateCertificate(event) {
  event.preventDefault();
  const form = $("cert-form");
  clearErrors(form);
  $("cert-generate").disabled = true;
  const { ok, data } = await api("POST", "/api/certificate", {
    common_name: $("cert-cn").value, hosts: $("cert-hosts").value,
    days: Number($("cert-days").value), enable: $("cert-enable").checked });
  $("cert-generate").disabled = false;
  if (!ok) { showErrors(data.errors, () => $("cert-days")); return; }
  await loadSettings();
  announce(`Certificate generated. Fingerprint ${data.fingerprint}.`);
}

async function changeAdminPassword(event) {
  event.preventDefault();
  const form = $("admin-password-form");
  clearErrors(form);
  const { ok, data } = await api("POST", "/api/admin-password",
    { password: $("admin_password").value, password2: $("admin_password2").value });
  if (!ok) { showErrors(data.errors, (key) => $(key)); return; }
  form.reset();
  announce("Console password changed.");
}

async function loadService() {
  const { data } = await api("GET", "/api/service");
  $("service-state").textContent = data.state || "unknown";
  $("service-message").textContent = data.message || "";
  for (const button of $("service-actions").querySelectorAll("button")) button.disabled = !data.available;
}

async function serviceAction(action) {
  const { ok, data } = await api("POST", "/api/service", { action });
  $("service-message").textContent = ok ? data.message : Object.values(data.errors || {}).join(" ");
  loadService();
}

async function restartConnector() {
  $("restart-button").disabled = true;
  $("restart-text").textContent = "Restarting...";
  await api("POST", "/api/restart");
  window.setTimeout(async () => {
    $("restart-button").disabled = false;
    await refresh();
    announce("The connector restarted.");
  }, 1500);
}

// -- start ----------------------------------------------------------------------------------
async function refresh() {
  const tab = currentTab();
  if (tab === "users") await loadUsers();
  if (tab === "status") await loadStatus();
}

function start() {
  setUpTabs();
  loaders.users = loadUsers;
  loaders.status = () => { loadStatus(); renderLog(); };
  loaders.advanced = loadSettings;
  $("add-user").addEventListener("click", () => openUserDialog(null));
  $("user-form").addEventListener("submit", saveUser);
  $("user-cancel").addEventListener("click", () => $("user-dialog").close());
  $("u-auth").addEventListener("change", syncAuth);
  $("delete-confirm").addEventListener("click", deleteUser);
  $("delete-cancel").addEventListener("click", () => $("delete-dialog").close());
  $("log-level").addEventListener("change", () => renderLog());
  $("log-user").addEventListener("change", () => renderLog());
  $("log-copy").addEventListener("click", copyLog);
  $("log-download").addEventListener("click", downloadLog);
  $("log-clear").addEventListener("click", clearLog);
  $("settings-form").addEventListener("submit", saveSettings);
  $("settings-revert").addEventListener("click", loadSettings);
  $("cert-form").addEventListener("submit", generateCertificate);
  $("admin-password-form").addEventListener("submit", changeAdminPassword);
  $("test-connection").addEventListener("click", (event) => testConnection(null, $("test-result"), event.currentTarget));
  for (const button of $("service-actions").querySelectorAll("button")) {
    button.addEventListener("click", () => serviceAction(button.dataset.action));
  }
  $("restart-button").addEventListener("click", restartConnector);
  const wanted = window.location.hash.slice(1);
  selectTab(TABS.includes(wanted) ? wanted : "users", false);
  pollLog();
  window.setInterval(pollLog, 1000);
  window.setInterval(refresh, 2000);
}

start();
