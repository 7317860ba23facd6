"use strict";
// The audit site: one page, its data inline (see report/data.py for the shapes), views chosen by the URL's #hash.
const D = JSON.parse(document.getElementById("data").textContent);
const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch]));
const STATUS = ["no rule", "pass", "not verifiable", "waived", "finding"];
const N = {t: 0, r: 1, c: 2, printed: 3, value: 4, stat: 5, rounding: 6, year: 7, status: 8, suspect: 9};
const I = {rule: 0, status: 1, printed: 2, rhs: 3, imbalance: 4, tolerance: 5, detail: 6, waiver: 7, checked: 8,
           suspect: 9, suggestion: 10, pattern: 11, why: 12};

// ---- indexes ---------------------------------------------------------------------------------------
const tableById = Object.fromEntries(D.tables.map((t) => [t.id, t]));
const plusTables = new Set(D.nodes.filter((x) => x[N.printed] && x[N.printed].startsWith("+")).map((x) => x[N.t]));  // tables that print a rise with '+'
for (const t of D.tables) if (t.part === "derived" && !t.publishes) plusTables.add(t.id);
const SEP = "\u0001";
const nodeAt = new Map(D.nodes.map((n, i) => [n[N.t] + SEP + n[N.r] + SEP + n[N.c], i]));
const ruleById = Object.fromEntries(D.rules.map((r) => [r[0], r]));
const push = (map, key, value) => { (map[key] || (map[key] = [])).push(value); };
const instOf = {}, cellsOf = {};
for (const [k, node, coef, role] of D.involved) { push(instOf, node, [k, coef, role]); push(cellsOf, k, [node, coef, role]); }
const derivedOf = {};
for (const d of D.derived) derivedOf[d[0]] = d;
const edgesFrom = {}, edgesTo = {};
for (const [node, input, coef, role] of D.edges) { push(edgesFrom, node, [input, coef, role]); push(edgesTo, input, node); }
const breaksOf = {};
for (const [node, b] of D.cell_breaks) push(breaksOf, node, b);
const figuresOf = {};
D.narrative.forEach((f, i) => (f[7] || []).forEach((n) => push(figuresOf, n, i)));
const figuresAt = {};
D.narrative.forEach((f, i) => push(figuresAt, f[1], i));
const kindOf = (n) => {
  const t = D.nodes[n][N.t];
  return tableById[t] ? (tableById[t].part === "derived" ? "derived" : "source") : t;
};
const addr = (n) => { const x = D.nodes[n]; return `${x[N.t]} | ${x[N.r]} | ${x[N.c]}`; };
const instanceName = (k) => `${D.instances[k][I.rule]}: ${addr(D.instances[k][I.checked])}`;
const twinOf = (n) => {  // a printed cell's recomputed twin
  const t = tableById[D.nodes[n][N.t]];
  return t && t.derived ? nodeAt.get(t.derived + SEP + D.nodes[n][N.r] + SEP + D.nodes[n][N.c]) : undefined;
};

// ---- formatting ------------------------------------------------------------------------------------
function fmt(v, stat, rounding, plus = true) {
  if (v === null || v === undefined || Number.isNaN(v)) return "";
  const pct = stat && stat !== "count" && stat !== "decimal";
  const dec = rounding ? Math.max(0, Math.round(-Math.log10(rounding))) : (pct ? 1 : 0);
  const [int, frac] = Math.abs(v).toFixed(dec).split(".");
  const s = int.replace(/\B(?=(\d{3})+(?!\d))/g, " ") + (frac ? "," + frac : "");
  return (v < 0 ? "-" : plus && stat === "evolution" && v > 0 ? "+" : "") + s + (pct ? "%" : "");
}
function num(v) {  // a computed figure in the report's style: '1 045,5', '-0,0254'
  if (v === null || v === undefined) return "n/a";
  const [i, f] = String(Math.abs(v) < 1e-6 ? 0 : +Math.abs(v).toPrecision(7)).split(".");
  return (v < 0 && Math.abs(v) >= 1e-6 ? "-" : "") + i.replace(/\B(?=(\d{3})+(?!\d))/g, " ") + (f ? "," + f : "");
}
const shown = (n) => {
  const x = D.nodes[n];
  if (x[N.printed] !== null) return x[N.printed] === "" ? "(blank)" : x[N.printed];
  const d = derivedOf[n];
  return d ? fmt(d[3], x[N.stat], x[N.rounding]) || "blank" : x[N.r];
};
const badge = (s) => `<span class="badge b-${esc(s)}">${esc(s === "not_verifiable" ? "not verifiable" : s)}</span>`;
const lineLink = (no) => `<a href="#${D.body && no <= D.body.end ? "text/" : "search/line%20"}${no}">${no}</a>`;
const link = (n, text) => `<a href="#cell/${n}">${esc(text ?? addr(n))}</a>`;
const tableLabel = (id) => (tableById[id] ? `${tableById[id].label}` : id);

// ---- key for search: '63.552', '63 552' and '63552' are one figure; '20,6%' and '20.6%' too ---------
function key(s) {
  return String(s).replace(/[\s\u00a0\u202f]/g, "").replace(/\.(?=\d{3}(?!\d))/g, "").replace(".", ",").toLowerCase();
}
function readings(q) {  // every value a typed number may stand for ('.', ',' or a space as thousands or decimal mark)
  let text = q.replace(/[\s\u00a0\u202f%]/g, "");
  const sign = text.startsWith("-") ? -1 : 1;
  text = text.replace(/^[+-]/, "");
  if (!/^\d[\d.,]*$/.test(text)) return [];
  const out = new Set();
  for (const [th, dec] of [[".", ","], [",", "."], ["", ","], ["", "."]]) {
    const whole = text.split(dec)[0], groups = th ? whole.split(th) : [whole];
    if (th && !(groups.length > 1 && groups.slice(1).every((g) => g.length === 3) && groups[0].length <= 3)) continue;
    const core = th ? text.split(th).join("") : text;
    if (core.split(dec).length > 2 || (dec === "," ? core.includes(".") : core.includes(","))) continue;
    out.add(sign * parseFloat(core.replace(dec, ".")));
  }
  return [...out].filter((v) => !Number.isNaN(v));
}
const byKey = new Map();
D.nodes.forEach((x, i) => { if (x[N.printed]) push2(byKey, key(x[N.printed]), ["cell", i]); });
D.narrative.forEach((f, i) => push2(byKey, key(f[3]), ["figure", i]));
function push2(map, k, v) { if (!map.has(k)) map.set(k, []); map.get(k).push(v); }

// ---- navigation -------------------------------------------------------------------------------------
function nav() {
  const dots = (id) => {
    const t = tableById[id];
    let worst = 0;
    for (const [n] of t._cells || []) worst = Math.max(worst, D.nodes[n][N.status]);
    return `<span class="dot st${worst}" style="border:1px solid #bbb"></span>`;
  };
  const part = (p, title) => `<h4>${title}</h4>` + D.tables.filter((t) => t.part === p && !(p === "derived" && t.publishes))
    .map((t) => `<a href="#table/${esc(t.id)}" data-t="${esc(t.id)}" title="${esc(t.title)}">${dots(t.id)}${esc(t.label.replace(/^(appendix|body|derived) /, ""))} <span class="muted small">${esc(t.id)}</span></a>`).join("");
  $("#nav").innerHTML = `<a href="#summary" data-v="summary">Summary and rules</a><a href="#findings" data-v="findings">Findings</a>`
    + `<a href="#text" data-v="text">Body text (${D.narrative.length} figures)</a>`
    + part("body", "Body tables") + part("appendix", "Appendix tables") + part("derived", "Derived tables");
}

for (const t of D.tables) t._cells = [];
D.nodes.forEach((x, i) => { const t = tableById[x[N.t]]; if (t) t._cells.push([i]); });

function route() {
  let hash = location.hash.slice(1) || "summary";
  try { hash = decodeURIComponent(hash); } catch (e) { /* a typed '%' that is no escape: keep it as typed */ }
  const [view, ...rest] = hash.split("/");
  const arg = rest.join("/");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("on",
    a.dataset.v === view || (view === "table" && a.dataset.t === arg)));
  if (!["cell", "text", "figure"].includes(view)) closePanel();
  if (view === "table") showTable(arg);
  else if (view === "cell") showCell(+arg);
  else if (view === "text") showText(+arg || 0);
  else if (view === "figure" && D.narrative[+arg]) { showText(D.narrative[+arg][1]); showFigure(+arg); }
  else if (view === "rule") showRule(arg);
  else if (view === "search") { $("#search").value = arg; showSearch(arg); }
  else if (view === "findings") showFindings();
  else showSummary();
  document.documentElement.dataset.view = hash;  // drawn: what a test (or a reader's script) can wait for
}
window.addEventListener("hashchange", route);
$("#searchform").addEventListener("submit", (e) => { e.preventDefault(); location.hash = "search/" + encodeURIComponent($("#search").value.trim()); });
$("#close").addEventListener("click", closePanel);
document.addEventListener("keydown", (e) => { if (e.key === "Escape") closePanel(); });
function closePanel() { $("#panel").hidden = true; document.body.classList.remove("panel-open"); document.querySelectorAll("td.sel").forEach((td) => td.classList.remove("sel")); }
let current = "";  // what #main shows, so that opening a cell of the shown table does not redraw it
const setMain = (id, html) => { current = id; $("#main").innerHTML = html; $("#main").scrollTop = 0; };

// ---- summary: verdict and one row per rule (pointblank's agent report) -----------------------------------
function showSummary() {
  const tot = D.meta.totals;
  const card = (k, cls) => `<div class="card"><div class="k">${k}</div><div class="n"><span class="badge ${cls}">${tot[k]}</span></div></div>`;
  let html = `<h1>Audit of the published figures</h1><p class="muted">${esc(D.meta.title)}<br>From the warehouse: ${D.nodes.filter((x, i) => kindOf(i) === "source").length} printed cells, ${D.instances.length} rule instances, ${D.narrative.length} body-text figures.</p>`
    + `<div class="cards">${card("PASS", "b-pass")}${card("WARN", "b-warn")}${card("ERROR", "b-error")}${card("WAIVED", "b-waived")}${card("SKIP", "b-not_verifiable")}</div>`
    + `<p><code>${esc(D.meta.final_line)}</code> — ERROR and WARN are unwaived failing instances; SKIP are instances that cannot be verified (a figure they need is nb or --). <a href="#findings">${D.groups.length} suspect cell(s) with unwaived findings</a>.</p>`
    + `<h2>Rules</h2><table class="data"><thead><tr><th></th><th>rule</th><th>kind</th><th>severity</th><th>description</th><th>instances</th><th>pass</th><th>fail</th><th>waived</th><th>not verifiable</th><th></th></tr></thead><tbody>`;
  let family = "";
  const families = Object.keys(D.meta.families);
  const rank = (f) => (families.includes(f) ? families.indexOf(f) : families.length);
  for (const r of D.rules.slice().sort((a, b) => rank(a[1]) - rank(b[1]) || (a[0] < b[0] ? -1 : 1))) {
    const [id, fam, sev, kind, desc, n, pass, fail, waived, nv] = r;
    if (fam !== family) {
      family = fam;
      const sum = (j) => D.rules.filter((x) => x[1] === fam).reduce((a, x) => a + x[j], 0);
      html += `<tr><th colspan="5">${esc(D.meta.families[fam] || fam)}</th>${[5, 6, 7, 8, 9].map((j) => `<th class="num">${sum(j) || ""}</th>`).join("")}<th></th></tr>`;
    }
    const mark = fail ? (sev === "error" ? badge("error") : badge("warn")) : waived ? badge("waived") : n ? badge("pass") : badge("unresolved");
    const w = (x) => (n ? (100 * x) / n : 0);
    html += `<tr><td>${mark}</td><td><a href="#rule/${esc(id)}">${esc(id)}</a></td><td>${esc(kind)}</td><td>${esc(sev)}</td><td class="small desc">${esc(desc)}</td>`
      + `<td class="num">${n}</td><td class="num">${pass}</td><td class="num">${fail || ""}</td><td class="num">${waived || ""}</td><td class="num">${nv || ""}</td>`
      + `<td><div class="bar"><i style="width:${w(pass)}%;background:#66bb6a"></i><i style="width:${w(waived)}%;background:#ffca28"></i><i style="width:${w(nv)}%;background:#7986cb"></i><i style="width:${w(fail)}%;background:#e53935"></i></div></td></tr>`;
  }
  setMain("summary", html + "</tbody></table>");
}

function instanceBlock(k, from) {
  const x = D.instances[k];
  const rule = ruleById[x[I.rule]];
  const role = from === undefined ? "" : (cellsOf[k] || []).filter(([n]) => n === from)
    .map(([, coef, r]) => (r === "lhs" ? "checked cell" : `input ×${+coef.toPrecision(4)}`)).join(", ");
  let html = `<div class="inst">${badge(x[I.status] === "fail" ? rule[2] : x[I.status])} <a href="#rule/${esc(x[I.rule])}">${esc(x[I.rule])}</a>`
    + (role ? ` <span class="muted small">(this cell: ${esc(role)})</span>` : "")
    + `<div class="small">${esc(rule[4])}</div><div class="kv small">`
    + `<div>instance</div><div>${link(x[I.checked], instanceName(k))}</div>`
    + `<div>printed</div><div>${esc(x[I.printed])} · expected ${esc(num(x[I.rhs]))} · imbalance ${esc(num(x[I.imbalance]))}</div>`
    + `<div>tolerance</div><div>${esc(x[I.why])}</div><div>how</div><div>${esc(x[I.detail])}</div>`;
  if (x[I.suspect] !== null) html += `<div>suspect</div><div>${link(x[I.suspect])}${x[I.suggestion] !== null ? ` → suggested <b>${esc(fmt(x[I.suggestion], D.nodes[x[I.suspect]][N.stat], D.nodes[x[I.suspect]][N.rounding]))}</b>` : ""}${x[I.pattern] ? ` <i>(${esc(x[I.pattern])})</i>` : ""}</div>`;
  if (x[I.waiver]) html += `<div>waiver</div><div>${esc(x[I.waiver])}</div>`;
  const cells = (cellsOf[k] || []).filter(([n]) => n !== from);
  if (cells.length) html += `<div>cells</div><div><details><summary>${cells.length} other cell(s)</summary>${cells.map(([n, coef, r]) => `<div><span class="coef">${r === "lhs" ? "checked" : "×" + +coef.toPrecision(4)}</span>${link(n)} = ${esc(shown(n))}</div>`).join("")}</details></div>`;
  return html + "</div></div>";
}

function showRule(id) {
  const r = ruleById[id];
  if (!r) return setMain("", `<p>No rule ${esc(id)}.</p>`);
  const ks = D.instances.map((x, k) => k).filter((k) => D.instances[k][I.rule] === id);
  const order = {fail: 0, waived: 1, not_verifiable: 2, pass: 3};
  ks.sort((a, b) => order[D.instances[a][I.status]] - order[D.instances[b][I.status]]);
  const shownKs = ks.filter((k) => D.instances[k][I.status] !== "pass");
  setMain("rule/" + id, `<h1>${esc(id)}</h1><p>${esc(r[4])}</p><p>${badge(r[2])} family ${esc(r[1])}, kind ${esc(r[3])}: ${r[5]} instances, ${r[6]} pass, ${r[7]} fail, ${r[8]} waived, ${r[9]} not verifiable.</p>`
    + `<h2>Instances that do not pass (${shownKs.length})</h2>${shownKs.map((k) => instanceBlock(k)).join("") || "<p class=muted>none</p>"}`
    + `<h2>Passing instances (${ks.length - shownKs.length})</h2><details><summary>list</summary>${ks.filter((k) => D.instances[k][I.status] === "pass").map((k) => `<div>${link(D.instances[k][I.checked], instanceName(k))} <span class="muted small">${esc(D.instances[k][I.detail])}</span></div>`).join("")}</details>`);
}

// ---- findings: unwaived ones grouped by suspect cell, then the waived ones ---------------------------------
function showFindings() {
  let html = `<h1>Findings</h1><h2>Unwaived findings, grouped by suspect cell (${D.groups.length})</h2>`;
  for (const g of D.groups) {
    const n = g.node;
    const stat = n !== null && n !== undefined ? D.nodes[n][N.stat] : "count";
    html += `<div class="group ${g.severity}">${badge(g.severity)} <b>${n !== null && n !== undefined ? link(n, g.suspect) : esc(g.suspect)}</b>`
      + (n !== null && n !== undefined ? ` printed <b>${esc(shown(n))}</b>` : "")
      + (g.suggestions.length ? ` → suggested <b>${g.suggestions.map((s) => esc(fmt(s, stat, D.nodes[n] ? D.nodes[n][N.rounding] : 1))).join(" or ")}</b>` : "")
      + (g.patterns.length ? ` <i>(${esc(g.patterns.join("; "))})</i>` : "")
      + `<div class="small muted">${g.instances.length} failing equation(s)</div>`
      + g.instances.map((i) => `<div class="small">[${esc(i.family)}] ${esc(i.instance)}: printed ${esc(i.printed)}, expected ${esc(num(i.expected))} (imbalance ${esc(num(i.imbalance))}, tolerance ${esc(num(i.tolerance))}); ${esc(i.detail)}</div>`).join("")
      + `</div>`;
  }
  const waived = D.instances.map((x, k) => k).filter((k) => D.instances[k][I.status] === "waived");
  html += `<h2>Waived findings (${waived.length})</h2><p class="muted">Accepted in checks/waivers.yaml (each pinned to its figures) or explained by a trend break.</p>`
    + `<table class="data"><thead><tr><th>instance</th><th>printed</th><th>expected</th><th>suspect</th><th>reason</th></tr></thead><tbody>`
    + waived.map((k) => { const x = D.instances[k]; return `<tr><td class="small">${link(x[I.checked], instanceName(k))}</td><td class="num">${esc(x[I.printed])}</td><td class="num">${esc(num(x[I.rhs]))}</td><td class="small">${x[I.suspect] !== null ? link(x[I.suspect]) : ""}</td><td class="small">${esc(x[I.waiver])}</td></tr>`; }).join("")
    + `</tbody></table>`;
  const nv = D.instances.map((x, k) => k).filter((k) => D.instances[k][I.status] === "not_verifiable");
  html += `<h2>Not verifiable (${nv.length})</h2>` + nv.map((k) => `<div class="small">${link(D.instances[k][I.checked], instanceName(k))}: ${esc(D.instances[k][I.detail])}</div>`).join("");
  setMain("findings", html);
}

// ---- a table as printed -----------------------------------------------------------------------------------
let view = "printed";
function headerRows(cols) {
  const parts = cols.map((c) => c.split(" | "));
  const levels = Math.max(...parts.map((p) => p.length), 1);
  let html = "";
  for (let l = 0; l < levels; l++) {
    html += "<tr>";
    if (l === 0) html += (hasLines ? `<th rowspan="${levels}" class="line" title="report line">line</th>` : "") + `<th rowspan="${levels}"></th>` + (hasCode ? `<th rowspan="${levels}" class="code">code</th>` : "");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p.length <= l) continue;
      let span = 1;
      while (i + span < parts.length && parts[i + span].length > l && parts[i + span].slice(0, l + 1).join(SEP) === p.slice(0, l + 1).join(SEP)) span++;
      const rows = p.length === l + 1 ? levels - l : 1;
      html += `<th colspan="${span}" rowspan="${rows}">${esc(p[l])}</th>`;
      i += span - 1;
    }
    html += "</tr>";
  }
  return html;
}
let hasCode = false, hasLines = false;

function cellHtml(n) {
  if (n === undefined) return `<td></td>`;
  const x = D.nodes[n];
  const twin = view !== "printed" ? twinOf(n) ?? (kindOf(n) === "derived" ? n : undefined) : undefined;
  if (view !== "printed" && twin !== undefined && derivedOf[twin]) {
    const d = derivedOf[twin];
    const st = d[6] === "differs" ? 4 : d[6] === "equal at printed precision" ? 1 : 0;
    const text = view === "recomputed" ? fmt(d[3], D.nodes[twin][N.stat], x[N.rounding] ?? D.nodes[twin][N.rounding], plusTables.has(x[N.t]))
      : d[5] === null ? "" : (d[5] > 0 ? "+" : "") + num(+d[5].toPrecision(3));
    return `<td class="cell st${st}" data-n="${n}" title="${esc(d[6])}">${esc(text)}</td>`;
  }
  const text = x[N.printed] ?? fmt(derivedOf[n] ? derivedOf[n][3] : null, x[N.stat], x[N.rounding]);
  return `<td class="cell st${x[N.status]}${x[N.suspect] ? " suspect" : ""}" data-n="${n}" title="${esc(STATUS[x[N.status]])}">${esc(text)}</td>`;
}

function showTable(id, keepView) {
  const t = tableById[id];
  if (!t) return setMain("", `<p>No table ${esc(id)}.</p>`);
  if (!keepView) view = "printed";
  hasCode = t.rows.some((r) => r[1]);
  hasLines = t.rows.some((r) => r[2]);
  const at = (r, c) => nodeAt.get(id + SEP + r + SEP + c);
  const lines = t.lines.map(([a, b]) => `${a}–${b}`).join(", ");
  let html = `<h1>${esc(t.label)} <span class="muted small">${esc(t.id)}</span></h1><p>${esc(t.title)}</p><div class="kv">`
    + (t.bron.length ? `<div>Bron</div><div>${esc(t.bron.join(", "))}</div>` : "")
    + (t.unit ? `<div>unit</div><div>${esc(t.unit)}</div>` : "") + (t.period ? `<div>period</div><div>${esc(t.period)}</div>` : "")
    + (lines ? `<div>report lines</div><div>${esc(lines)} <span class="muted small">(page: no page marks in the text extraction)</span></div>` : "")
    + (t.publishes ? `<div>publishes</div><div><a href="#table/${esc(t.publishes)}">${esc(tableLabel(t.publishes))}</a></div>` : "")
    + D.tables.filter((o) => o.shown_as === id).map((o) => `<div>recomputes</div><div><a href="#table/${esc(o.id)}">${esc(o.label)}</a> (${esc(o.id)}), whose figures are not in the text extraction</div>`).join("")
    + (t.shown_as ? `<div>recomputed as</div><div><a href="#table/${esc(t.shown_as)}">${esc(tableLabel(t.shown_as))}</a></div>` : "")
    + `</div>` + t.notes.map((x) => `<div class="note small">${esc(x)}</div>`).join("");
  const tb = D.breaks.filter((b) => b[0] === id);
  if (tb.length) html += `<h3>Trend breaks</h3>` + tb.map((b) => `<div class="small">${b[1]} <b>${esc(b[3])}</b>: ${esc(b[2])} — ${esc(b[4])}${b[5] ? ` (report line ${lineLink(b[5])})` : ""}</div>`).join("");
  if (!t.rows.length) {
    setMain("table/" + id, html + `<p class="muted">No cells: ${t.shown_as ? `its figures are not in the text extraction; see <a href="#table/${esc(t.shown_as)}">${esc(t.shown_as)}</a>.` : "nothing transcribed."}</p>`);
    return;
  }
  if (t.derived) html += `<div class="views" style="margin-top:10px">Show: ${["printed", "recomputed", "difference"].map((v) => `<button data-view="${v}" class="${v === view ? "on" : ""}">${v === "difference" ? "published − recomputed" : v}</button>`).join("")} <span class="muted small">recomputed in <a href="#table/${esc(t.derived)}">${esc(t.derived)}</a> (${esc(tableById[t.derived].title)})</span></div>`;
  html += `<div class="legend">${STATUS.map((s, i) => `<span><span class="sw st${i}"></span>${s === "finding" ? "unwaived finding" : s}</span>`).join("")}<span><span class="sw st4" style="box-shadow: inset 0 0 0 2px var(--finding-ink)"></span>suspect cell</span></div>`;
  html += `<table class="data grid"><thead>${headerRows(t.cols)}</thead><tbody>`;
  for (const [r, code, line] of t.rows) {
    html += `<tr class="${r === r.toUpperCase() && /[A-Z]/.test(r) ? "strong" : ""}">${hasLines ? `<th class="line">${line ? `${lineLink(line)}` : ""}</th>` : ""}<th class="row">${esc(r)}</th>` + (hasCode ? `<th class="code" title="${esc(code || "")}">${esc(code || "")}</th>` : "")
      + t.cols.map((c) => cellHtml(at(r, c))).join("") + "</tr>";
  }
  html += `</tbody></table>` + chartsOf(t);
  setMain("table/" + id, html);
  document.querySelectorAll(".views button").forEach((b) => b.addEventListener("click", () => { view = b.dataset.view; showTable(id, true); }));
}
$("#main").addEventListener("click", (e) => {
  const td = e.target.closest("td.cell, .pt");
  if (td && td.dataset.n !== undefined) location.hash = "cell/" + td.dataset.n;
});

// ---- count series charts (inline SVG) -----------------------------------------------------------------------
function seriesOf(t) {
  const groups = new Map();
  for (const [n] of t._cells) {
    const x = D.nodes[n];
    if (x[N.stat] !== "count" || x[N.year] === null || x[N.value] === null) continue;
    const k = x[N.r] + SEP + x[N.c].replace(/\d{4}\**/g, "");
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(n);
  }
  return [...groups.entries()].filter(([, ns]) => ns.length > 1)
    .map(([k, ns]) => ({label: k.split(SEP).filter((s) => s.replace(/[\s|]/g, "")).join(" · ").replace(/ \| ?$| ?\| /g, " "), nodes: ns.sort((a, b) => D.nodes[a][N.year] - D.nodes[b][N.year])}));
}
const warnings = (n) => (instOf[n] || []).filter(([k, , role]) => role === "lhs" && ruleById[D.instances[k][I.rule]][3] === "series" && D.instances[k][I.status] !== "pass").map(([k]) => D.instances[k][I.status]);

function chart(s, w, h, focus) {
  const pad = {l: 42, r: 8, t: 8, b: 16};
  const years = s.nodes.map((n) => D.nodes[n][N.year]);
  const values = s.nodes.map((n) => D.nodes[n][N.value]);
  const max = Math.max(...values, 1), y0 = Math.min(...years), y1 = Math.max(...years);
  const X = (y) => pad.l + ((y - y0) / Math.max(y1 - y0, 1)) * (w - pad.l - pad.r);
  const Y = (v) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  let svg = `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img"><title>${esc(s.label)}</title>`
    + `<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#bbb"/>`
    + `<text x="${pad.l - 4}" y="${pad.t + 8}" font-size="9" text-anchor="end" fill="#666">${esc(fmt(max, "count", 1))}</text>`
    + `<text x="${pad.l - 4}" y="${h - pad.b}" font-size="9" text-anchor="end" fill="#666">0</text>`;
  const seen = new Set();
  for (const n of s.nodes) for (const b of breaksOf[n] || []) {
    const br = D.breaks[b], key = br[1] + br[3];
    if (seen.has(key) || br[1] < y0 || br[1] > y1) continue;
    seen.add(key);
    const x = br[1] > y0 ? (X(br[1]) + X(br[1] - 1)) / 2 : X(br[1]);
    svg += `<line x1="${x}" y1="${pad.t}" x2="${x}" y2="${h - pad.b}" stroke="#7b1fa2" stroke-dasharray="3 2"><title>trend break ${br[1]}: ${esc(br[3])} — ${esc(br[2])}</title></line>`;
  }
  svg += `<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="${s.nodes.map((n, i) => `${X(years[i])},${Y(values[i])}`).join(" ")}"/>`;
  s.nodes.forEach((n, i) => {
    const w8 = warnings(n);
    const color = w8.includes("fail") ? "#e53935" : w8.includes("waived") ? "#f9a825" : "#1565c0";
    const r = w8.length ? 4.5 : n === focus ? 4 : 2.5;
    svg += `<circle class="pt" data-n="${n}" cx="${X(years[i])}" cy="${Y(values[i])}" r="${r}" fill="${color}" stroke="${n === focus ? "#000" : "none"}"><title>${years[i]}: ${esc(D.nodes[n][N.printed])}${w8.length ? " — plausibility warning (" + w8.join(", ") + ")" : ""}</title></circle>`;
  });
  for (const y of [...new Set(years)]) svg += `<text x="${X(y)}" y="${h - 3}" font-size="9" text-anchor="middle" fill="#666">${String(y).slice(2)}</text>`;
  return svg + "</svg>";
}
function chartsOf(t) {
  const series = seriesOf(t);
  if (!series.length) return "";
  return `<h2>Count series (${series.length})</h2><p class="muted small">Dashed purple: trend break (hover for its kind); red point: unwaived plausibility warning; amber: waived. Click a point for its cell.</p><div class="charts">`
    + series.map((s) => `<div class="chart${s.nodes.some((n) => warnings(n).length) ? " has-warn" : ""}"><div class="t" title="${esc(s.label)}">${esc(s.label)}</div>${chart(s, 224, 74)}</div>`).join("") + "</div>";
}

// ---- lineage ---------------------------------------------------------------------------------------------------
const rowPos = {};  // table -> row label -> [printed position, code]
for (const t of D.tables) rowPos[t.id] = new Map(t.rows.map((r, i) => [r[0], [i, r[1]]]));
const colPos = {};
for (const t of D.tables) colPos[t.id] = new Map(t.cols.map((c, i) => [c, i]));
function position(n) {
  const x = D.nodes[n];
  return [x[N.t] === "external" ? "~" : x[N.t], (rowPos[x[N.t]]?.get(x[N.r]) || [1e9])[0], colPos[x[N.t]]?.get(x[N.c]) ?? 1e9];
}
function byPosition(parent) {  // the parent's own table first (in printed order: the formula's letters), then the others
  const own = D.nodes[parent][N.t];
  return (a, b) => {
    const p = position(a), q = position(b);
    return (p[0] !== own) - (q[0] !== own) || (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : p[1] - q[1] || p[2] - q[2]);
  };
}
function nodeLabel(n, letterFirst) {  // 'appendix Tabel 39 · c RSZ-korting 54-plus · West-Vlaanderen | 2019'
  const x = D.nodes[n], t = tableById[x[N.t]];
  const code = (rowPos[x[N.t]]?.get(x[N.r]) || [])[1];
  const letter = code && code.length < 4 ? code + " " : "";
  const name = t ? (t.part === "derived" && t.publishes ? `${tableLabel(t.publishes)} recomputed` : t.label) : x[N.t];
  return letterFirst ? `${letter}${name} · ${x[N.r]} · ${x[N.c]}` : `${name} · ${letter}${x[N.r]} · ${x[N.c]}`;
}
function downTree(n, depth, coefPath) {
  const order = byPosition(n), es = (edgesFrom[n] || []).slice().sort((a, b) => order(a[0], b[0]));
  if (!es.length) return "";
  const d = derivedOf[n];
  return `<ul class="tree">${es.map(([m, coef, role]) => {
    const kind = kindOf(m);
    const label = kind === "external" ? `external: ${D.nodes[m][N.r]} = ${num(coef)}` : `${nodeLabel(m, true)} = ${shown(m)}`;
    const c = role === "part" || !role ? `×${+coef.toPrecision(4)}` : role;
    const eff = d && d[1] === "sum" && (role === "part" || !role) ? coefPath * coef : null;
    const inner = kind === "derived" ? downTree(m, depth + 1, eff ?? 0) : "";
    const sub = kind === "derived" && derivedOf[m] ? ` <span class="muted small">${esc(derivedOf[m][1])}: ${esc(derivedOf[m][2])}</span>` : "";
    const st = kind === "source" ? ` <span class="sw st${D.nodes[m][N.status]}" title="${esc(STATUS[D.nodes[m][N.status]])}"></span>` : "";
    const body = `<span class="coef">${esc(c)}</span>${kind === "external" ? esc(label) : link(m, label)}${st}${sub}${eff !== null && kind === "source" && eff !== coef ? ` <span class="coef">(effective ×${+eff.toPrecision(4)})</span>` : ""}`;
    return inner ? `<li><details${depth < 1 ? " open" : ""}><summary>${body}</summary>${inner}</details></li>` : `<li>${body}</li>`;
  }).join("")}</ul>`;
}
function beneath(n) {  // every cell a derived cell rests on: down its lineage, with each derived cell's published twin
  const seen = new Set([n]), queue = [n];
  while (queue.length) {
    const x = queue.shift();
    const d = derivedOf[x];
    for (const m of [...(edgesFrom[x] || []).map((e) => e[0]), ...(d && d[4] !== null ? [d[4]] : [])]) {
      if (!seen.has(m)) { seen.add(m); queue.push(m); }
    }
  }
  return seen;
}
function explainedBy(n) {  // the waived findings (no series warning) on the cells it rests on, as the derived check has them
  const ks = new Set();
  for (const m of beneath(n)) for (const [k] of instOf[m] || []) {
    const x = D.instances[k];
    if (x[I.status] === "waived" && ruleById[x[I.rule]][3] !== "series") ks.add(k);
  }
  return [...ks];
}
function explanation(n) {
  const ks = explainedBy(n);
  return ks.length ? `<div class="note small">The difference is explained by ${ks.length} waived finding(s) on cells it rests on: ${ks.map((k) => link(D.instances[k][I.checked], instanceName(k))).join("; ")}</div>`
    : `<div class="note small">${badge("fail")} No waived finding on the cells it rests on explains the difference.</div>`;
}
function upList(n) {
  const seen = new Set(), out = [];
  const queue = [n, twinOf(n)].filter((x) => x !== undefined);
  while (queue.length) {
    const x = queue.shift();
    for (const d of edgesTo[x] || []) {
      if (seen.has(d)) continue;
      seen.add(d);
      out.push(d);
      queue.push(d);
    }
  }
  return out;
}

// ---- a cell's panel -------------------------------------------------------------------------------------------
function showCell(n) {
  const x = D.nodes[n];
  if (!x) return;
  const kind = kindOf(n);
  if (kind === "narrative") {  // a body-text figure a rule checks: the figure's own panel
    const line = +(x[N.r].match(/\d+/) || [0])[0];
    if (current !== "text") showText(line); else highlightLine(line);
    if (figuresOf[n]) return showFigure(figuresOf[n][0]);
  } else if (kind === "source" || kind === "derived") {
    const t = tableById[x[N.t]];
    const target = kind === "derived" && t.publishes ? t.publishes : x[N.t];
    if (current !== "table/" + target) { showTable(target); if (kind === "derived" && t.publishes) { view = "recomputed"; showTable(target, true); } }
    document.querySelectorAll("td.sel").forEach((td) => td.classList.remove("sel"));
    const anchor = kind === "derived" && t.publishes ? nodeAt.get(t.publishes + SEP + x[N.r] + SEP + x[N.c]) : n;
    const td = document.querySelector(`td.cell[data-n="${anchor}"]`);
    if (td) { td.classList.add("sel"); td.scrollIntoView({block: "nearest", inline: "nearest"}); }
  }
  $("#panelbody").innerHTML = panel(n);
  $("#panel").hidden = false;
  $("#panel").scrollTop = 0;
  document.body.classList.add("panel-open");
}

function panel(n) {
  const x = D.nodes[n];
  const kind = kindOf(n);
  const t = tableById[x[N.t]];
  let html = `<div class="muted small">${esc(kind === "source" ? "printed cell" : kind === "derived" ? "recomputed cell" : kind === "narrative" ? "body-text figure" : kind)}</div>`
    + `<div class="addr">${esc(t ? t.label : x[N.t])} · ${esc(x[N.r])} · ${esc(x[N.c])}</div>`
    + `<div class="value">${esc(shown(n))}</div>`;
  if (t) {
    const row = t.rows.find((r) => r[0] === x[N.r]);
    html += `<div class="kv">`
      + `<div>table</div><div><a href="#table/${esc(t.id)}">${esc(t.id)}</a> — ${esc(t.title)}</div>`
      + (row && row[1] ? `<div>code</div><div>${esc(row[1])}</div>` : "")
      + (t.lines.length ? `<div>report</div><div>${row && row[2] ? `line ${lineLink(row[2])} (table ` : "(table "}lines ${esc(t.lines.map(([a, b]) => `${a}–${b}`).join(", "))}); page: no page marks in the text extraction</div>` : "")
      + (t.bron.length ? `<div>Bron</div><div>${esc(t.bron.join(", "))}</div>` : "")
      + (t.unit ? `<div>unit</div><div>${esc(t.unit)}${x[N.stat] ? ` · ${esc(x[N.stat])}` : ""}${x[N.rounding] ? ` · printed to ${esc(x[N.rounding])}` : ""}</div>` : "")
      + (t.period ? `<div>period</div><div>${esc(t.period)}</div>` : "")
      + `<div>status</div><div><span class="badge st${x[N.status]}">${esc(STATUS[x[N.status]])}</span>${x[N.suspect] ? " · suspect of an unwaived finding" : ""}</div></div>`;
    if (t.notes.length) html += `<details><summary>notes (${t.notes.length})</summary>${t.notes.map((s) => `<div class="note small">${esc(s)}</div>`).join("")}</details>`;
  }
  const br = breaksOf[n] || [];
  if (br.length) {
    const items = br.map((b) => { const r = D.breaks[b]; return `<div class="small">${r[1]} <b>${esc(r[3])}</b>: ${esc(r[2])} — ${esc(r[4])}${r[5] ? ` (line ${lineLink(r[5])})` : ""}</div>`; }).join("");
    html += br.length > 3 ? `<details><summary><b>Trend breaks of its series (${br.length})</b></summary>${items}</details>` : `<h2>Trend breaks of its series (${br.length})</h2>${items}`;
  }

  // published minus recomputed
  const twin = kind === "derived" ? n : twinOf(n);
  if (twin !== undefined && derivedOf[twin]) {
    const d = derivedOf[twin];
    html += `<h2>Recomputed</h2><div class="kv"><div>recomputed</div><div><b>${esc(fmt(d[3], D.nodes[twin][N.stat], D.nodes[twin][N.rounding]))}</b> <span class="muted">(${esc(num(d[3]))})</span></div>`
      + `<div>formula</div><div>${esc(d[1])}: ${esc(d[2])}</div>`
      + (d[4] !== null ? `<div>published</div><div>${link(d[4], shown(d[4]))}</div><div>published − recomputed</div><div>${esc(num(d[5]))} <span class="small">${esc(d[6])}</span></div>` : `<div>published</div><div>${esc(d[6])}</div>`)
      + (d[7] === false ? `<div>comparable</div><div>no: spans ${esc(d[8])}</div>` : "") + `</div>`
      + (d[6] === "differs" ? explanation(twin) : "")
      + `<h3>Lineage down: the cells it is computed from</h3>${downTree(twin, 0, 1) || "<p class=muted>none</p>"}`;
  }
  const up = upList(n);
  if (up.length) {
    const published = up.filter((d) => derivedOf[d] && derivedOf[d][4] !== null);
    const other = up.filter((d) => !(derivedOf[d] && derivedOf[d][4] !== null));
    html += `<h3>Lineage up: figures computed from it (${up.length})</h3>`
      + (published.length ? (() => {
        const items = published.map((d) => `<div class="small">${link(derivedOf[d][4], nodeLabel(derivedOf[d][4]))} = ${esc(shown(derivedOf[d][4]))} <span class="muted">(recomputed ${esc(fmt(derivedOf[d][3], D.nodes[d][N.stat], D.nodes[d][N.rounding]))})</span></div>`);
        return `<div class="small">published figures (${published.length}):</div>${items.slice(0, 8).join("")}`
          + (items.length > 8 ? `<details><summary class="small">${items.length - 8} more</summary>${items.slice(8).join("")}</details>` : "");
      })() : "")
      + (other.length ? `<details><summary class="small">recomputed only (${other.length})</summary>${other.map((d) => `<div class="small">${link(d)} = ${esc(shown(d))}</div>`).join("")}</details>` : "");
  }

  // rule instances, those that do not pass first
  const order = {fail: 0, waived: 1, not_verifiable: 2, pass: 3};
  const ks = (instOf[n] || []).map(([k]) => k).filter((k, i, a) => a.indexOf(k) === i)
    .sort((a, b) => order[D.instances[a][I.status]] - order[D.instances[b][I.status]]);
  const suspectOf = D.instances.map((_, k) => k).filter((k) => D.instances[k][I.suspect] === n && !ks.includes(k));
  if (ks.length || suspectOf.length) {
    const bad = ks.filter((k) => D.instances[k][I.status] !== "pass");
    html += `<h2>Rules (${ks.length} instance(s): ${ks.length - bad.length} pass${bad.length ? `, ${bad.length} other` : ""}${suspectOf.length ? `; suspect of ${suspectOf.length} more` : ""})</h2>`
      + [...bad, ...suspectOf].map((k) => instanceBlock(k, n)).join("")
      + (ks.length > bad.length ? `<details${bad.length ? "" : " open"}><summary>passing instances (${ks.length - bad.length})</summary>${ks.filter((k) => D.instances[k][I.status] === "pass").map((k) => instanceBlock(k, n)).join("")}</details>` : "");
  } else if (kind === "source") html += `<h2>Rules</h2><p class="muted">No rule instance involves this cell.</p>`;
  const figs = figuresOf[n] || [];
  if (figs.length) html += `<h2>In the body text (${figs.length})</h2>` + figs.map(figureLine).join("");
  const series = kind === "source" && t ? seriesOf(t).find((s) => s.nodes.includes(n)) : null;
  if (series) html += `<h2>Its series</h2>${chart(series, 490, 160, n)}`;
  return html;
}
const figureLine = (i) => { const f = D.narrative[i]; return `<div class="small">${badge(f[5])} line <a href="#figure/${i}">${f[1]}</a>: <b>${esc(f[3])}</b> ${f[6] ? `<span class="muted">(${esc(f[6])})</span>` : ""} — ${esc(f[9].slice(0, 220))}</div>`; };

// ---- the body text with its figures ----------------------------------------------------------------------
const CLASSES = ["confirmed", "contradicts", "external", "unresolved"];
function showText(line) {
  if (!D.body) {
    setMain("text", `<h1>Body text</h1><p class="muted">Built without the report text: each figure with its sentence.</p>`
      + D.narrative.map((f, i) => `<div class="ln" id="l${f[1]}">${figureLine(i)}</div>`).join(""));
    return;
  }
  if (current !== "text") {
    const counts = Object.fromEntries(CLASSES.map((c) => [c, D.narrative.filter((f) => f[5] === c).length]));
    const tableAt = {};
    for (const [id, a, b] of D.body.tables) for (let l = a; l <= b; l++) tableAt[l] = [id, a];
    const against = D.narrative.map((f, i) => i).filter((i) => D.narrative[i][5] === "contradicts");
    let html = `<h1>Body text</h1><p class="muted">Every figure of the body text, marked by its class; click one for its cells. Table bodies are greyed (their cells are under the tables).</p>`
      + `<p>${against.length} figure(s) contradict their table: ${against.map((i) => `<a href="#figure/${i}" class="fig contradicts">${esc(D.narrative[i][3])}</a> (line ${D.narrative[i][1]})`).join(", ")}</p><div class="legend">`
      + CLASSES.map((c) => `<label><input type="checkbox" checked data-cls="${c}"> <a class="fig ${c}">${c}</a> ${counts[c]}</label>`).join("") + `</div><div class="text" id="bodytext">`;
    D.body.lines.slice(0, D.body.end).forEach((text, i) => {
      const no = i + 1;
      const tb = tableAt[no];
      if (tb) { html += `<div class="ln tablebody" id="l${no}"><span class="no">${no}</span>${tb[1] === no ? `<a href="#table/${esc(tb[0])}">[${esc(tableLabel(tb[0]))}]</a> ` : ""}${esc(text)}</div>`; return; }
      html += `<div class="ln" id="l${no}"><span class="no">${no}</span>${markFigures(text, figuresAt[no] || [])}</div>`;
    });
    setMain("text", html + "</div>");
    document.querySelectorAll("input[data-cls]").forEach((box) => box.addEventListener("change", () => $("#bodytext").classList.toggle("hide-" + box.dataset.cls, !box.checked)));
  }
  if (line) highlightLine(line);
}
function markFigures(text, figs) {
  let out = "", at = 0, rest = [];
  for (const i of figs) {
    const f = D.narrative[i];
    const pos = text.indexOf(f[3], at);
    if (pos < 0) { rest.push(i); continue; }
    out += esc(text.slice(at, pos)) + figLink(i);
    at = pos + f[3].length;
  }
  return out + esc(text.slice(at)) + rest.map((i) => " " + figLink(i)).join("");
}
const figLink = (i) => { const f = D.narrative[i]; return `<a class="fig ${f[5]}" data-f="${i}" title="${esc(f[5])}${f[6] ? " (" + esc(f[6]) + ")" : ""}">${esc(f[3])}</a>`; };
function highlightLine(line) {
  document.querySelectorAll(".ln.hit").forEach((e) => e.classList.remove("hit"));
  const el = document.getElementById("l" + line);
  if (el) { el.classList.add("hit"); el.scrollIntoView({block: "center"}); }
}
$("#main").addEventListener("click", (e) => {
  const a = e.target.closest("a.fig[data-f]");
  if (!a) return;
  e.preventDefault();
  location.hash = "figure/" + a.dataset.f;
});
function showFigure(i) {
  const f = D.narrative[i];
  const nodes = f[7] || [];
  const pseudo = nodes.filter((n) => kindOf(n) === "narrative");
  // the cells it is linked to, and those the rule that checks it compares it with
  const checked = pseudo.flatMap((p) => (instOf[p] || []).flatMap(([k]) => cellsOf[k].filter(([, , role]) => role !== "lhs").map(([m]) => m)));
  const cells = [...new Set([...nodes.filter((n) => kindOf(n) !== "narrative"), ...checked])];
  let html = `<div class="muted small">body-text figure ${esc(f[0])}</div><div class="addr">line ${f[1]} · ${esc(f[2])}</div><div class="value">${esc(f[3])}</div>`
    + `<div class="kv"><div>class</div><div>${badge(f[5])} ${f[6] ? esc(f[6]) : ""}</div><div>kind</div><div>${esc(f[4])}</div>`
    + (f[8] ? `<div>source named</div><div>${esc(f[8])}</div>` : "") + `<div>sentence</div><div>${esc(f[9])}</div></div>`;
  if (cells.length) html += `<h2>Linked cells</h2>` + cells.map((n) => `<div>${link(n)} = <b>${esc(shown(n))}</b></div>`).join("");
  for (const p of pseudo) {
    const ks = (instOf[p] || []).map(([k]) => k);
    html += `<h2>Checked by</h2>` + ks.map((k) => instanceBlock(k, p)).join("");
  }
  $("#panelbody").innerHTML = html;
  $("#panel").hidden = false;
  document.body.classList.add("panel-open");
}

// ---- search: by printed value, label or report line ------------------------------------------------------------
function showSearch(q) {
  const k = key(q), out = [];
  if (!q) return setMain("search", "<p>Type a value, a label or a report line.</p>");
  const exact = byKey.get(k) || [];
  const values = readings(q), exactSet = new Set(exact.map(([w, i]) => w + i));
  const looseHits = values.length ? D.nodes.map((x, i) => ["cell", i]).filter(([, i]) => D.nodes[i][N.printed]
      && values.some((v) => Math.abs(D.nodes[i][N.value] - v) < 1e-9) && D.nodes[i][N.value] !== null)
    .concat(D.narrative.map((f, i) => ["figure", i]).filter(([, i]) => values.some((v) => Math.abs(Math.abs(D.narrative[i][10]) - Math.abs(v)) < 1e-9)))
    .filter(([w, i]) => !exactSet.has(w + i)) : [];
  const show = (hits) => hits.slice(0, 300).map(([what, i]) => what === "cell"
    ? `<li>${link(i, nodeLabel(i))} = <b>${esc(shown(i))}</b> <span class="badge st${D.nodes[i][N.status]}">${esc(STATUS[D.nodes[i][N.status]])}</span></li>`
    : `<li>${badge(D.narrative[i][5])} body text, line <a href="#figure/${i}">${D.narrative[i][1]}</a>: <b>${esc(D.narrative[i][3])}</b> — ${esc(D.narrative[i][9].slice(0, 160))}</li>`).join("");
  if (exact.length) out.push(`<h2>Printed as ${esc(q)} (${exact.length})</h2><ul class="results">${show(exact)}</ul>`);
  if (looseHits.length) out.push(`<h2>The same value, printed otherwise (${looseHits.length})</h2><ul class="results">${show(looseHits)}</ul>`);
  const line = q.match(/^(?:line|regel|lijn|l\.?)?\s*(\d{1,5})$/i);
  if (line) {
    const no = +line[1];
    const rows = [];
    for (const t of D.tables) for (const r of t.rows) if (r[2] === no) rows.push([t, r]);
    const within = D.tables.filter((t) => t.lines.some(([a, b]) => a <= no && no <= b));
    const figs = figuresAt[no] || [];
    const parts = rows.map(([t, r]) => `<li>row <a href="#table/${esc(t.id)}">${esc(t.label)}</a> · ${esc(r[0])}</li>`)
      .concat(within.filter((t) => !rows.some(([rt]) => rt === t)).map((t) => `<li>inside <a href="#table/${esc(t.id)}">${esc(t.label)}</a> (lines ${t.lines.map(([a, b]) => `${a}–${b}`).join(", ")})</li>`))
      .concat(figs.map((i) => `<li>${badge(D.narrative[i][5])} figure <b>${esc(D.narrative[i][3])}</b> — ${esc(D.narrative[i][9].slice(0, 160))}</li>`));
    if (D.body && no <= D.body.lines.length) parts.push(`<li>${no <= D.body.end ? `<a href="#text/${no}">body text at line ${no}</a>` : "appendix"}: <code>${esc(D.body.lines[no - 1].trim())}</code></li>`);
    if (parts.length) out.push(`<h2>Report line ${no}</h2><ul class="results">${parts.join("")}</ul>`);
  }
  if (q.length >= 3 && /[a-z]/i.test(q)) {
    const ql = q.toLowerCase(), hits = [];
    for (const t of D.tables) {
      if ((t.id + " " + t.label + " " + t.title).toLowerCase().includes(ql)) hits.push(`<li>table <a href="#table/${esc(t.id)}">${esc(t.label)}</a> — ${esc(t.title)}</li>`);
      for (const r of t.rows) if ((r[0] + " " + (r[1] || "")).toLowerCase().includes(ql)) hits.push(`<li>row <a href="#table/${esc(t.id)}">${esc(t.label)}</a> · ${esc(r[0])}${r[1] ? ` <span class="muted">${esc(r[1])}</span>` : ""}</li>`);
      for (const c of t.cols) if (c.toLowerCase().includes(ql)) hits.push(`<li>column <a href="#table/${esc(t.id)}">${esc(t.label)}</a> · ${esc(c)}</li>`);
    }
    if (hits.length) out.push(`<h2>Labels containing "${esc(q)}" (${hits.length})</h2><ul class="results">${hits.slice(0, 300).join("")}</ul>`);
  }
  setMain("search", `<h1>Search: ${esc(q)}</h1>` + (out.join("") || `<p>Nothing found for ${esc(q)}.</p>`));
}

const tot = D.meta.totals;
$("#verdict").innerHTML = [["PASS", "b-pass"], ["WARN", "b-warn"], ["ERROR", "b-error"], ["WAIVED", "b-waived"], ["SKIP", "b-not_verifiable"]]
  .map(([k, cls]) => `${k} <b class="${tot[k] || k === "PASS" ? cls : ""}">${tot[k]}</b>`).join(" ");
nav();
route();
document.documentElement.dataset.ready = String(Math.round(performance.now()));
