// 网格化综合指挥中心: the hub's reference screen, built on the public graph only.
// Everything it shows comes from /graphql with the signed-in user's key, so it shows
// exactly what that user may see. No build step, no CDN: this file, ECharts and the
// stylesheet are served by the hub. User text is only ever set as textContent.
"use strict";

const PURPOSE = "command-centre"; // 指挥调度: headers carry ASCII only
const OPEN = ["REPORTED", "ROUTED", "ACCEPTED", "IN_PROGRESS", "RESOLVED", "VERIFIED",
  "RETURNED", "SUSPENDED", "REOPENED"];
const LEVELS = ["DISTRICT", "STREET", "COMMUNITY", "GRID", "MICRO_GRID"];
const LEVEL_NAMES = { DISTRICT: "全区", STREET: "街道", COMMUNITY: "社区", GRID: "网格", MICRO_GRID: "微网格" };
const HANDLING = { 1: "网格", 2: "社区", 3: "街道", 4: "区" };
const STEPS = { REPORTED: "上报", ROUTED: "分派", ACCEPTED: "受理", PROGRESSED: "办理", RESOLVED: "办结",
  RETURNED: "退单", ESCALATED: "升级", WARNED: "预警", SUPERVISED: "督办", VERIFIED: "核查",
  RATED: "评价", CLOSED: "归档", MERGED: "并单" };
const STATUSES = { REPORTED: "已上报", ROUTED: "已分派", ACCEPTED: "已受理", IN_PROGRESS: "办理中",
  RESOLVED: "已办结", VERIFIED: "已核查", CLOSED: "已归档", RETURNED: "已退单", MERGED: "已并单",
  SUSPENDED: "挂账", REOPENED: "重办" };
const SEVERITIES = { LOW: "一般", MEDIUM: "较大", HIGH: "重大", CRITICAL: "特别重大" };
const SEVERITY_COLOURS = { LOW: "#3fa7ff", MEDIUM: "#f5d523", HIGH: "#f5a623", CRITICAL: "#ff5b5b" };
const HEALTH = { UP: "正常", DEGRADED: "降级", DOWN: "中断", OFF: "未启用" };
const BREAKER = { CLOSED: "闭合", OPEN: "断开", HALF_OPEN: "半开" };
const TZ = "Asia/Shanghai";

const state = {
  key: null, viewer: null, regions: new Map(), loaded: new Set(),
  within: null, level: "COMMUNITY", measure: "open", counts: new Map(), events: new Map(),
  categories: new Map(), departments: new Map(), layer: [], drawer: null, chart: null,
  charts: {}, refresh: null, more: false,
};

const $ = (selector) => document.querySelector(selector);
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}
const can = (scope) => state.viewer.scopes.includes(scope);
const localDay = (date = new Date()) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(date);
const localTime = (iso) => new Intl.DateTimeFormat("zh-CN", { timeZone: TZ, month: "2-digit",
  day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);

function toast(message) {
  const box = $("#toast");
  box.textContent = message;
  box.classList.add("shown");
  setTimeout(() => box.classList.remove("shown"), 4000);
}

// -- the graph ------------------------------------------------------------------------

function headers(accept) {
  return { Authorization: `Bearer ${state.key}`, "X-Purpose": PURPOSE,
    "Content-Type": "application/json", Accept: accept };
}

class GraphError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.codes = errors.map((e) => (e.extensions || {}).code);
  }
}

// The operations, by name, as the hub printed them from operations.graphql: it trusts
// exactly these texts, so they run even where only registered documents may.
let OPERATIONS = {};

function request(name, variables) {
  return JSON.stringify({ query: OPERATIONS[name], operationName: name, variables });
}

async function gql(name, variables = {}) {
  const response = await fetch("/graphql", { method: "POST",
    headers: headers("application/graphql-response+json"), body: request(name, variables) });
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  if (body.errors && body.errors.length) throw new GraphError(body.errors);
  return body.data;
}

async function paged(name, variables, pick, pages = 10) {
  const found = [];
  let after = null;
  for (let page = 0; page < pages; page += 1) {
    const connection = pick(await gql(name, { ...variables, after }));
    found.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return found;
}

// -- sign-in --------------------------------------------------------------------------

function takeKeyFromAddress() {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem("hub-key", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search); // out of sight
  }
  return sessionStorage.getItem("hub-key");
}

function askForKey(message) {
  document.body.dataset.state = "signed-out";
  $("#console").hidden = true;
  $("#sign-in").hidden = false;
  $("#sign-in-error").textContent = message || "";
}

async function signIn() {
  state.key = takeKeyFromAddress();
  if (!state.key) return askForKey();
  try {
    state.viewer = (await gql("Viewer")).viewer;
  } catch (error) {
    sessionStorage.removeItem("hub-key");
    return askForKey(error.codes && error.codes.includes("UNAUTHENTICATED") ? "密钥无效或已过期" : error.message);
  }
  $("#sign-in").hidden = true;
  $("#console").hidden = false;
  $("#who").textContent = `${state.viewer.name}（${state.viewer.roles.join("、")}）`;
  await start();
}

// -- the regions and the map ------------------------------------------------------------

async function loadLevel(level, within = null) {
  const tag = `${level}:${within || ""}`;
  if (state.loaded.has(tag)) return;
  const regions = await paged("Regions", { level, within }, (d) => d.grids);
  for (const region of regions) state.regions.set(region.code, region);
  state.loaded.add(tag);
}

const nameOf = (code) => (state.regions.has(code) ? state.regions.get(code).name : code);

// Where the figures and counts start: the user's own grids, or the whole district.
function topScopes() {
  return state.viewer.grids || [[...state.regions.values()].find((r) => r.level === "DISTRICT").code];
}

function shown() {
  return [...state.regions.values()].filter((r) => r.level === state.level && r.geometry
    && (!state.within || r.code.startsWith(state.within)));
}

function countFor(code) {
  if (state.level === "MICRO_GRID") { // no statistics per micro-grid: the events on the map
    const counted = (e) => e.microGrid && e.microGrid.code === code && (state.measure === "open" || e.overdue);
    return [...state.events.values()].filter(counted).length;
  }
  let total = 0;
  for (const [grid, counts] of state.counts) if (grid.startsWith(code)) total += counts[state.measure];
  return total;
}

// Open (or overdue) events per region in four bands, wider for larger regions.
const BAND_FLOORS = { MICRO_GRID: [1, 2, 4], GRID: [1, 3, 6], COMMUNITY: [5, 15, 30], STREET: [20, 60, 120] };
const BAND_COLOURS = { open: ["#17324d", "#1f5f8b", "#2f8fd0", "#f5a623"],
  overdue: ["#17324d", "#7a4b16", "#b5541e", "#ff5b5b"] };

function bands() {
  const [low, middle, high] = BAND_FLOORS[state.level] || BAND_FLOORS.GRID;
  const range = (from, to) => (from === to - 1 ? `${from} 件` : `${from}–${to - 1} 件`);
  return [[0, "无"], [low, range(low, middle)], [middle, range(middle, high)], [high, `${high} 件以上`]];
}

function band(count) {
  let index = 0;
  bands().forEach(([from], n) => { if (count >= from) index = n; });
  return BAND_COLOURS[state.measure][index];
}

function colours(regions) {
  return regions.map((r) => ({ name: r.code, itemStyle: { areaColor: band(countFor(r.code)) } }));
}

function drawLegend() {
  const legend = $("#legend");
  legend.replaceChildren(...bands().map(([, label], n) => {
    const item = el("span", label);
    item.style.setProperty("--swatch", BAND_COLOURS[state.measure][n]);
    return item;
  }));
}

function drawMap() {
  const regions = shown();
  const name = `${state.level}:${state.within || ""}`;
  echarts.registerMap(name, { type: "FeatureCollection", features: regions.map((r) =>
    ({ type: "Feature", properties: { name: r.code }, geometry: r.geometry })) });
  state.chart.setOption({
    tooltip: { trigger: "item", formatter: tooltip },
    geo: { map: name, roam: true, scaleLimit: { min: 0.8, max: 40 }, regions: colours(regions),
      layoutCenter: ["50%", "50%"], layoutSize: "96%", aspectScale: aspect(regions),
      label: { show: regions.length <= 24, color: "#cfe3f7", fontSize: 11, // names that fit
        formatter: (p) => nameOf(p.name) },
      itemStyle: { borderColor: "#3fa7ff", borderWidth: 1, areaColor: "#17324d" },
      emphasis: { itemStyle: { areaColor: "#2a5d8f" }, label: { color: "#fff" } } },
    series: [
      { id: "events", type: "scatter", coordinateSystem: "geo", zlevel: 2, symbolSize: 10, data: points() },
      { id: "layer", type: "lines", coordinateSystem: "geo", polyline: true, silent: true, zlevel: 1,
        lineStyle: { color: "#f5a623", width: 1.5, type: "dashed", opacity: 0.9 }, data: state.layer },
    ],
  }, { replaceMerge: ["geo"] });
  const map = $("#map");
  map.dataset.level = state.level;
  $("#level").value = state.level;
  map.dataset.regions = String(regions.length);
  drawLegend();
  drawCrumbs();
}

// East-west metres shrink with latitude: keep the town's true shape.
function aspect(regions) {
  const latitude = regions.length ? regions[0].centroid.lat : 30;
  return Math.cos((latitude * Math.PI) / 180);
}

function recolour() {
  state.chart.setOption({ geo: { regions: colours(shown()) } });
}

function tooltip(p) {
  if (p.seriesId === "events" && p.data) return `${escapeHtml(p.data.title)}<br>${STATUSES[p.data.status] || p.data.status}`;
  const label = escapeHtml(nameOf(p.name));
  return `${label}<br>${state.measure === "open" ? "在办" : "超期"} ${countFor(p.name)} 件`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function points() {
  return [...state.events.values()].filter((e) => !state.within || e.gridCode.startsWith(state.within)).map((e) => ({
    name: e.id, id: e.id, title: e.title, status: e.status, value: [e.place.lon, e.place.lat],
    itemStyle: { color: SEVERITY_COLOURS[e.severity] || "#3fa7ff", borderColor: "#fff", borderWidth: e.overdue ? 2 : 0 },
  }));
}

function drawPoints() {
  state.chart.setOption({ series: [{ id: "events", data: points() }] });
  $("#map").dataset.events = String(state.events.size);
  $("#feed-count").textContent = `在办 ${state.events.size}${state.more ? "+" : ""} 件`;
}

function drawCrumbs() {
  const crumbs = $("#crumbs");
  crumbs.replaceChildren();
  const top = el("button", "全部");
  top.type = "button";
  top.onclick = () => focus(null, firstLevel());
  crumbs.append(top);
  if (state.within) {
    for (let n = 6; n <= state.within.length; n += 3) {
      const code = state.within.slice(0, n);
      if (!state.regions.has(code)) continue;
      const crumb = el("button", nameOf(code));
      crumb.type = "button";
      crumb.onclick = () => focus(code, childLevel(code));
      crumbs.append("›", crumb);
    }
  }
  const levels = el("span", `（${LEVEL_NAMES[state.level]}）`, "muted");
  crumbs.append(levels);
}

function levelOf(code) {
  return { 6: "DISTRICT", 9: "STREET", 12: "COMMUNITY", 15: "GRID", 18: "MICRO_GRID" }[code.length];
}

function childLevel(code) {
  return LEVELS[Math.min(LEVELS.indexOf(levelOf(code)) + 1, LEVELS.length - 1)];
}

// The focus kept when another level is chosen: the part of it at least as large as the level.
function focusFor(level) {
  if (!state.within) return null;
  const length = { STREET: 9, COMMUNITY: 12, GRID: 15, MICRO_GRID: 18 }[level] - 3;
  return state.within.slice(0, length);
}

function firstLevel() {
  return state.viewer.grids ? "GRID" : "COMMUNITY";
}

async function focus(within, level) {
  state.within = within;
  state.level = level;
  if (level === "MICRO_GRID") await loadLevel("MICRO_GRID", within); // at most a grid's
  $("#scope-name").textContent = within ? nameOf(within) : scopeName();
  drawMap();
  await drawFigures();
}

function scopeName() {
  return topScopes().map(nameOf).join("、");
}

async function onMapClick(p) {
  if (p.seriesId === "events" || p.seriesType === "scatter") return openDrawer(p.data.id);
  const code = p.name;
  if (!code || !state.regions.has(code) || state.level === "MICRO_GRID") return undefined;
  return focus(code, childLevel(code));
}

// -- what is going on -------------------------------------------------------------------

async function loadEvents() {
  const events = await paged("OpenEvents", { filter: { statuses: OPEN } }, (d) => d.events, 3);
  state.events = new Map(events.map((e) => [e.id, e]));
  const feed = $("#feed");
  feed.replaceChildren(...events.slice(0, 50).map((e) => feedItem({ eventId: e.id, step: "REPORTED",
    occurredAt: e.reportedAt, gridCode: e.gridCode, category: e.categoryCode, severity: e.severity }, e.title)));
  state.more = events.length >= 300; // the map holds the newest 300
}

async function loadCounts() {
  const today = localDay();
  const counts = new Map();
  for (const scope of topScopes()) {
    const data = await gql("Counts", { scope, day: today });
    for (const row of data.stats.rows) counts.set(row.group, { open: row.open, overdue: row.overdue });
  }
  state.counts = counts;
}

function feedItem(update, title) {
  const item = el("li");
  item.dataset.eventId = update.eventId;
  item.dataset.grid = update.gridCode;
  item.append(el("span", STEPS[update.step] || update.step, "step"),
    el("span", title || categoryName(update.category), `sev-${update.severity}`));
  const where = nameOf(update.gridCode);
  const detail = el("div", `${localTime(update.occurredAt)} · ${where}${update.department ? ` · ${departmentName(update.department)}` : ""}`, "muted");
  item.append(detail);
  item.onclick = () => openDrawer(update.eventId);
  return item;
}

const categoryName = (code) => (state.categories.get(code) || code);
const departmentName = (code) => (state.departments.get(code) || code);

async function loadBoard() {
  const board = $("#board");
  const columns = [];
  for (const level of [2, 3, 4]) {
    const data = await gql("Board", { filter: { levels: [level], statuses: OPEN }, supervision: level === 4 });
    const column = el("div");
    column.dataset.level = String(level);
    column.append(el("h3", `${HANDLING[level]}级 ${data.events.totalCount} 件`));
    const byDepartment = new Map();
    for (const { node } of data.events.edges) {
      const name = node.leadDepartment ? node.leadDepartment.name : "未分派";
      if (!byDepartment.has(name)) byDepartment.set(name, []);
      byDepartment.get(name).push(node);
    }
    const list = el("ul");
    for (const [name, events] of byDepartment) {
      list.append(el("li", `${name} ${events.length}`, "dept"));
      for (const event of events) {
        const supervised = (event.timeline || []).some((s) => s.step === "SUPERVISED");
        const item = el("li", `${supervised ? "【督办】" : ""}${event.overdue ? "⚠ " : ""}${event.title}`,
          supervised ? "supervised" : "");
        item.onclick = () => openDrawer(event.id);
        list.append(item);
      }
    }
    column.append(list);
    columns.push(column);
  }
  board.replaceChildren(...columns);
}

async function loadSystems() {
  if (!can("connectors:read")) return;
  const data = await gql("Systems");
  $("#systems tbody").replaceChildren(...data.connectors.map((c) => {
    const row = el("tr");
    row.dataset.connector = c.name;
    row.append(el("td", c.title), el("td", HEALTH[c.health] || c.health, `state-${c.health}`),
      el("td", BREAKER[c.breaker] || c.breaker, `state-${c.breaker}`),
      el("td", c.latencyP50Ms === null ? "—" : `${Math.round(c.latencyP50Ms)} ms`), el("td", percent(c.errorRate)));
    return row;
  }));
}

// -- the month's figures ----------------------------------------------------------------

async function drawFigures() {
  if (!can("stats:read")) return;
  const today = localDay();
  const first = `${today.slice(0, 8)}01`;
  const scopes = state.within ? [state.within] : topScopes();
  const answers = await Promise.all(scopes.map((scope) => gql("Figures", { scope, from: first, to: today })));
  const totals = { reported: 0, closed: 0, overdue: 0 };
  const rates = [];
  const categories = new Map();
  const days = new Map();
  for (const { month, days: daily } of answers) {
    const t = month.totals[0];
    if (t) {
      for (const key of Object.keys(totals)) totals[key] += t[key];
      rates.push(t);
    }
    for (const row of month.rows) categories.set(row.group, (categories.get(row.group) || 0) + row.reported);
    for (const row of daily.totals) {
      const day = days.get(row.start) || { reported: 0, closed: 0 };
      day.reported += row.reported;
      day.closed += row.closed;
      days.set(row.start, day);
    }
  }
  const single = rates.length === 1 ? rates[0] : null;
  $("#figures-period").textContent = `${first} 至 ${today}`;
  $("#figures").replaceChildren(
    figure("reported", "上报", `${totals.reported} 件`), figure("closed", "办结归档", `${totals.closed} 件`),
    figure("overdue", "超期", `${totals.overdue} 件`),
    figure("onTimeRate", "按时办结率", single ? percent(single.onTimeRate) : "—"),
    figure("satisfaction", "满意度", single && single.meanSatisfaction !== null ? `${single.meanSatisfaction.toFixed(2)} 分` : "—"));
  drawTrend(days);
  drawCategories(categories);
}

function figure(name, label, value) {
  const box = el("div", null, "figure");
  const number = el("b", value);
  number.dataset.figure = name;
  box.append(number, el("span", label, "muted"));
  return box;
}

const AXIS = { axisLabel: { color: "#8aa4c0" }, axisLine: { lineStyle: { color: "#1f3b5a" } },
  splitLine: { lineStyle: { color: "#1f3b5a" } } };

function drawTrend(days) {
  const sorted = [...days.entries()].sort();
  state.charts.trend.setOption({
    tooltip: { trigger: "axis" }, legend: { textStyle: { color: "#e6eef7" } },
    grid: { left: 40, right: 10, top: 30, bottom: 24 },
    xAxis: { type: "category", data: sorted.map(([d]) => d.slice(5)), ...AXIS },
    yAxis: { type: "value", minInterval: 1, ...AXIS },
    series: [{ name: "上报", type: "bar", data: sorted.map(([, v]) => v.reported) },
      { name: "归档", type: "bar", data: sorted.map(([, v]) => v.closed) }],
  });
}

function drawCategories(categories) {
  const top = [...categories.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).reverse();
  state.charts.categories.setOption({
    tooltip: {}, grid: { left: 110, right: 20, top: 10, bottom: 20 },
    xAxis: { type: "value", minInterval: 1, ...AXIS },
    yAxis: { type: "category", data: top.map(([c]) => categoryName(c)), ...AXIS },
    series: [{ type: "bar", data: top.map(([, n]) => n), itemStyle: { color: "#3fa7ff" } }],
  });
}

// -- live: graphql-sse over fetch, so the key rides in a header, never in an address -----

async function live() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await stream();
      attempt = 0;
    } catch (error) {
      console.warn("live stream", error);
    }
    $("#live").dataset.live = "off";
    $("#live").textContent = "实时连接中断，重连中…";
    await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 1000 * 2 ** attempt)));
    await Promise.all([loadEvents(), loadCounts()]).catch(() => undefined); // what was missed
    drawMap();
  }
}

async function stream() {
  const response = await fetch("/graphql", { method: "POST", headers: headers("text/event-stream"),
    body: request("Live", {}) });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  $("#live").dataset.live = "on";
  $("#live").textContent = "实时";
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const kind = /^event: (.*)$/m.exec(message);
      const data = /^data: (.*)$/m.exec(message);
      if (kind && kind[1] === "next" && data) onResult(JSON.parse(data[1]));
      if (kind && kind[1] === "complete") return;
    }
  }
}

function onResult(result) {
  if (result.errors) {
    console.warn("live stream error", result.errors);
    return;
  }
  const update = result.data.gridEvents;
  const event = update.event; // as it stands now, in the same message: no second request
  const title = event ? event.title : null;
  if (event && OPEN.includes(event.status)) {
    state.events.set(event.id, event);
    $("#map").dataset.lastEvent = event.id;
  } else {
    state.events.delete(update.eventId);
  }
  const item = feedItem(update, title);
  item.classList.add("new");
  item.dataset.shownAt = String(Date.now()); // for timing from outside the page
  const feed = $("#feed");
  feed.prepend(item);
  while (feed.children.length > 100) feed.lastChild.remove();
  drawPoints();
  if (state.drawer === update.eventId) openDrawer(update.eventId);
  scheduleRefresh();
}

function scheduleRefresh() {
  if (state.refresh) return;
  state.refresh = setTimeout(async () => {
    state.refresh = null;
    await Promise.all([loadCounts(), loadBoard(), drawFigures()]).catch((error) => console.warn(error));
    recolour();
  }, 5000);
}

// -- the event's drawer -----------------------------------------------------------------

async function openDrawer(id) {
  state.drawer = id;
  const { event } = await gql("Drawer", { id });
  const body = $("#drawer-body");
  $("#drawer").hidden = false;
  $("#drawer").dataset.eventId = id;
  if (!event) {
    body.replaceChildren(el("p", "该事件不存在，或不在您的权限范围内。"));
    return;
  }
  const facts = el("dl");
  const fact = (name, value) => facts.append(el("dt", name), el("dd", value));
  fact("状态", STATUSES[event.status] || event.status);
  fact("等级", `${SEVERITIES[event.severity]} · ${HANDLING[event.level]}级处置`);
  fact("类别", event.category ? event.category.name : event.categoryCode);
  fact("位置", `${event.grid ? event.grid.name : event.gridCode}${event.microGrid ? ` · ${event.microGrid.name}` : ""}${event.place.address ? ` · ${event.place.address}` : ""}`);
  fact("上报", localTime(event.reportedAt));
  fact("牵头部门", event.leadDepartment ? event.leadDepartment.name : "待分派");
  if (event.coHandlers.length) fact("协办部门", event.coHandlers.map((d) => d.name).join("、"));
  fact("时限", timeLeft(event));
  if (event.mergedInto) fact("已并入", event.mergedInto);
  if (event.duplicates.length) fact("重复上报", event.duplicates.map((d) => d.title).join("；"));
  const timeline = el("ol");
  timeline.id = "timeline";
  for (const step of event.timeline) {
    const item = el("li");
    item.dataset.step = step.step;
    item.append(el("b", STEPS[step.step] || step.step), " ",
      el("span", localTime(step.occurredAt), "muted"),
      el("div", [step.department && departmentName(step.department), step.by, step.source].filter(Boolean).join(" · "), "muted"));
    if (step.note) item.append(el("div", step.note));
    timeline.append(item);
  }
  body.replaceChildren(el("h2", event.title), el("p", event.description), facts,
    actions(event), el("h3", "处置过程"), timeline);
}

function timeLeft(event) {
  if (event.timeLeft === null) return event.deadline ? `截止 ${localTime(event.deadline)}` : "不限时";
  const minutes = Math.abs(Math.round(event.timeLeft / 60));
  const text = minutes >= 60 ? `${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分` : `${minutes} 分钟`;
  return event.timeLeft < 0 ? `已超期 ${text}` : `剩余 ${text}`;
}

function actions(event) {
  const box = el("div", null, "actions");
  const note = el("input");
  note.placeholder = "备注或原因";
  note.id = "action-note";
  const button = (label, scope, run) => {
    if (!can(scope)) return;
    const b = el("button", label);
    b.type = "button";
    b.onclick = () => act(event.id, run, note.value.trim());
    box.append(b);
  };
  const id = event.id;
  if (event.status === "RESOLVED") {
    button("核查通过", "events:verify", (n) => gql("Verify", { id, passed: true, note: n || null }));
    button("核查不通过", "events:verify", (n) => gql("Verify", { id, passed: false, note: n || "现场核查未通过" }));
  }
  if (event.status === "VERIFIED") {
    button("满意（回访评价）", "events:rate", () => gql("Rate", { id, score: 5 }));
  }
  if (event.status === "SUSPENDED") {
    button("恢复办理", "events:supervise", (n) => gql("Resume", { id, note: n || null }));
  } else if (OPEN.includes(event.status) && !["RESOLVED", "VERIFIED"].includes(event.status)) {
    button("挂账", "events:supervise", (n) => gql("Suspend", { id, reason: n || "挂账待处理" }));
    button("就地办结", "events:settle", (n) => gql("Settle", { id, note: n || "网格内就地解决" }));
  }
  if (can("events:supervise")) {
    for (const duplicate of event.likelyDuplicates) {
      button(`并入：${duplicate.title}`, "events:supervise", () => gql("Merge", { primary: id, duplicates: [duplicate.id] }));
    }
  }
  if (box.children.length) box.prepend(note);
  return box;
}

async function act(id, run, note) {
  try {
    await run(note);
    toast("已提交");
  } catch (error) {
    toast(`未能提交：${error.message}`);
  }
  await openDrawer(id);
}

// -- the department grids' layer --------------------------------------------------------

async function loadLayer(department) {
  state.layer = [];
  if (department) {
    const { departmentGrids } = await gql("Layer", { department });
    for (const grid of departmentGrids) {
      const { type, coordinates } = grid.geometry;
      const polygons = type === "MultiPolygon" ? coordinates : [coordinates];
      for (const polygon of polygons) state.layer.push({ name: grid.name || grid.code, coords: polygon[0] });
    }
  }
  state.chart.setOption({ series: [{ id: "layer", data: state.layer }] });
  $("#map").dataset.layer = String(state.layer.length);
  if (department && !state.layer.length) toast(`${departmentName(department)}尚未导入网格方案`);
}

// -- start ------------------------------------------------------------------------------

async function start() {
  const started = performance.now();
  state.chart = echarts.init($("#map"));
  state.charts.trend = echarts.init($("#chart-trend"));
  state.charts.categories = echarts.init($("#chart-categories"));
  window.addEventListener("resize", () => [state.chart, ...Object.values(state.charts)].forEach((c) => c.resize()));
  state.chart.on("click", (p) => { onMapClick(p).catch((error) => toast(error.message)); });
  const reference = gql("Reference").then((d) => {
    d.eventCategories.forEach((c) => state.categories.set(c.code, c.name));
    d.departments.forEach((c) => state.departments.set(c.code, c.name));
    $("#layer").append(...d.departments.map((c) => { const o = el("option", c.name); o.value = c.code; return o; }));
  });
  await Promise.all(["DISTRICT", "STREET", "COMMUNITY", "GRID"].map((level) => loadLevel(level)));
  await Promise.all([reference, loadEvents(), loadCounts()]);
  state.level = firstLevel();
  $("#scope-name").textContent = scopeName();
  drawMap();
  drawPoints();
  document.body.dataset.state = "ready";
  document.body.dataset.loadMs = String(Math.round(performance.now() - started));
  live();
  await Promise.all([loadBoard(), loadSystems(), drawFigures()]).catch((error) => toast(error.message));
  setInterval(() => loadSystems().catch(() => undefined), 15000);
}

function tick() {
  $("#clock").textContent = new Intl.DateTimeFormat("zh-CN", { timeZone: TZ, dateStyle: "medium", timeStyle: "medium" }).format(new Date());
}

document.addEventListener("DOMContentLoaded", () => {
  tick();
  setInterval(tick, 1000);
  $("#sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("hub-key", $("#key").value.trim());
    signIn();
  });
  $("#sign-out").onclick = () => { sessionStorage.removeItem("hub-key"); location.reload(); };
  $("#drawer-close").onclick = () => { $("#drawer").hidden = true; state.drawer = null; };
  $("#measure").onchange = (e) => { state.measure = e.target.value; drawMap(); };
  $("#level").onchange = (e) => { focus(focusFor(e.target.value), e.target.value).catch((error) => toast(error.message)); };
  $("#layer").onchange = (e) => { loadLayer(e.target.value).catch((error) => toast(error.message)); };
  OPERATIONS = JSON.parse($("#operations").textContent);
  signIn().catch((error) => { document.body.dataset.state = "failed"; toast(error.message); });
});
