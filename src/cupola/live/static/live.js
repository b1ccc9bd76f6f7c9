// Cupola live picture: the scenario's layers, then frames from /ws drawn on a MapLibre map.
// Everything is served by the local server; nothing is requested elsewhere.
import * as maplibregl from "/static/vendor/maplibre-gl/maplibre-gl.mjs";

maplibregl.setWorkerUrl("/static/vendor/maplibre-gl/maplibre-gl-worker.mjs");
const state = { frames: 0, tracks: 0, intercepts: 0, impacts: 0, events: [], proposals: 0,
  approved: 0, paused: false, mode: null, score: null, drawMs: [], renders: 0 };
window.cupola = state;
let selectedShown = ""; // what the selected-track box shows (rebuilt only when it changes)
let selected = null; // track id picked on the map or in the track list
const timeline = new Map(); // "time kind track" -> event, for the timeline strip

const CLASS_COLOURS = ["match", ["get", "class"], "rocket", "#d62728", "mortar round", "#ff7f0e",
  "ballistic missile", "#8c564b", "drone", "#9467bd", "cruise missile", "#e377c2", "#555"];
const empty = () => ({ type: "FeatureCollection", features: [] });
const point = (lon, lat, props) => ({ type: "Feature", properties: props,
  geometry: { type: "Point", coordinates: [lon, lat] } });

const scenario = await (await fetch("/api/scenario")).json();
document.getElementById("title").textContent = `Cupola live: ${scenario.name}`;
const map = new maplibregl.Map({
  container: "map",
  style: {
    version: 8,
    sources: { land: { type: "geojson", data: "/static/basemap/land-50m.geojson" } },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#dbe7f0" } },
      { id: "land", type: "fill", source: "land", paint: { "fill-color": "#f3f0e8" } },
    ],
  },
  bounds: scenario.bounds,
  fitBoundsOptions: { padding: 80, maxZoom: 12 },
  attributionControl: false,
});
map.addControl(new maplibregl.ScaleControl());
window.cupolaMap = map;

map.on("load", () => {
  for (const name of ["assets", "zones", "radars", "batteries"]) {
    map.addSource(name, { type: "geojson", data: scenario[name] });
  }
  for (const name of ["ellipses", "tracks", "leaders", "interceptors", "bursts", "impacts"]) {
    map.addSource(name, { type: "geojson", data: empty() });
  }
  map.addLayer({ id: "radar-cover", type: "line", source: "radars",
    paint: { "line-color": "#6a8caf", "line-dasharray": [3, 3], "line-width": 1 } });
  map.addLayer({ id: "zones", type: "line", source: "zones",
    paint: { "line-color": "#bbb", "line-width": 0.5 } });
  map.addLayer({ id: "zones-alerted", type: "fill", source: "zones",
    filter: ["in", ["get", "zone_id"], ["literal", []]],
    paint: { "fill-color": "#f2b233", "fill-opacity": 0.35 } });
  map.addLayer({ id: "assets-area", type: "fill", source: "assets",
    filter: ["==", ["geometry-type"], "Polygon"],
    paint: { "fill-color": "#5b8f4e", "fill-opacity": 0.35, "fill-outline-color": "#2f5d27" } });
  map.addLayer({ id: "assets-route", type: "line", source: "assets",
    filter: ["==", ["geometry-type"], "LineString"],
    paint: { "line-color": "#2f5d27", "line-width": 3 } });
  map.addLayer({ id: "ellipses", type: "line", source: "ellipses",
    paint: { "line-color": "#d62728", "line-width": 1, "line-dasharray": [2, 2] } });
  map.addLayer({ id: "batteries", type: "circle", source: "batteries",
    paint: { "circle-radius": 7, "circle-color": "#1f3b73", "circle-stroke-color": "#fff",
      "circle-stroke-width": 2 } });
  map.addLayer({ id: "leaders", type: "line", source: "leaders",
    paint: { "line-color": CLASS_COLOURS, "line-width": 1.5 } });
  map.addLayer({ id: "tracks", type: "circle", source: "tracks",
    paint: { "circle-radius": ["case", ["get", "selected"], 7, 4], "circle-color": CLASS_COLOURS,
      "circle-stroke-color": "#000", "circle-stroke-width": ["case", ["get", "selected"], 2, 0] } });
  for (const [id, source] of [["asset-names", "assets"], ["battery-names", "batteries"]]) {
    map.addLayer({ id, type: "symbol", source,
      layout: { "text-field": ["get", "name"], "text-font": ["sans-serif"], "text-size": 12,
        "text-offset": [0, 1.1], "text-anchor": "top" },
      paint: { "text-color": "#1f3b27", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
  }
  // Track ids beside the tracks, in the browser's own sans-serif (the style names no glyph
  // server, so MapLibre draws the glyphs locally); labels that would overlap are left out.
  map.addLayer({ id: "track-labels", type: "symbol", source: "tracks",
    layout: { "text-field": ["concat", "T", ["to-string", ["get", "id"]]],
      "text-font": ["sans-serif"], "text-size": 11, "text-offset": [0.6, -0.6],
      "text-anchor": "bottom-left" },
    paint: { "text-color": "#222", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
  map.on("click", "tracks", (e) => select(e.features[0].properties.id));
  map.on("render", () => { state.renders++; });
  map.on("mouseenter", "tracks", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "tracks", () => { map.getCanvas().style.cursor = ""; });
  map.addLayer({ id: "interceptors", type: "circle", source: "interceptors",
    paint: { "circle-radius": 3, "circle-color": "#1a9641" } });
  map.addLayer({ id: "bursts", type: "circle", source: "bursts",
    paint: { "circle-radius": 5, "circle-color": "rgba(0,0,0,0)",
      "circle-stroke-color": "#1a9641", "circle-stroke-width": 2 } });
  map.addLayer({ id: "impacts", type: "circle", source: "impacts",
    paint: { "circle-radius": 5, "circle-color": ["case", ["get", "hit"], "#b2182b", "#999"] } });
  connect();
});

const LEAD_S = 20; // velocity leader: where the track will be in 20 s
const M_PER_DEG = 111320;
const bursts = [], impacts = [];
let socket;

// The 95 % impact ellipse as a 36-point ring (semi-axes in m, azimuth clockwise from north).
function ellipseRing(p) {
  const a = p.major_m ?? 0, b = p.minor_m ?? 0, az = p.azimuth_rad ?? 0;
  const kx = 1 / (M_PER_DEG * Math.cos((p.lat * Math.PI) / 180)), ky = 1 / M_PER_DEG;
  const ring = [];
  for (let k = 0; k <= 36; k++) {
    const u = (2 * Math.PI * k) / 36, along = a * Math.cos(u), across = b * Math.sin(u);
    const east = along * Math.sin(az) + across * Math.cos(az);
    const north = along * Math.cos(az) - across * Math.sin(az);
    ring.push([p.lon + east * kx, p.lat + north * ky]);
  }
  return { type: "Feature", properties: { id: p.track_id },
    geometry: { type: "LineString", coordinates: ring } };
}

function draw(f) {
  map.getSource("ellipses").setData({ type: "FeatureCollection",
    features: f.impacts.filter((p) => p.major_m !== null).map(ellipseRing) });
  const tracks = f.tracks.filter((t) => t.lat !== null);
  map.getSource("tracks").setData({ type: "FeatureCollection",
    features: tracks.map((t) => point(t.lon, t.lat,
      { class: t.class, id: t.track_id, selected: t.track_id === selected })) });
  map.getSource("leaders").setData({ type: "FeatureCollection", features: tracks
    .filter((t) => t.velocity[0] !== null && t.velocity[1] !== null)
    .map((t) => ({ type: "Feature", properties: { class: t.class }, geometry: {
      type: "LineString", coordinates: [[t.lon, t.lat], [
        t.lon + (t.velocity[0] * LEAD_S) / (M_PER_DEG * Math.cos((t.lat * Math.PI) / 180)),
        t.lat + (t.velocity[1] * LEAD_S) / M_PER_DEG]] } })) });
  map.getSource("interceptors").setData({ type: "FeatureCollection", features: f.interceptors
    .filter((i) => i.lat !== null).map((i) => point(i.lon, i.lat, { id: i.id })) });
  map.setFilter("zones-alerted", ["in", ["get", "zone_id"], ["literal", f.alerts]]);
  for (const e of f.events) {
    if (e.kind === "engagement" && e.detail.endsWith("approved by the operator")) state.approved++;
    if (e.lat === null) continue;
    if (e.kind === "intercept") { bursts.push(point(e.lon, e.lat, {})); state.intercepts++; }
    if (e.kind === "impact") {
      impacts.push(point(e.lon, e.lat, { hit: e.detail.startsWith("hit") })); state.impacts++;
    }
  }
  map.getSource("bursts").setData({ type: "FeatureCollection", features: bursts });
  map.getSource("impacts").setData({ type: "FeatureCollection", features: impacts });
  panel(f, tracks);
}

// A table cell: text, or a button {op, label, track?, battery?} that sends an operator action.
function fill(td, c) {
  if (c !== null && typeof c === "object") {
    const b = td.firstChild;
    if (b && b.tagName === "BUTTON" && b.dataset.op === c.op && b.textContent === c.label) return;
    const button = document.createElement("button");
    button.textContent = c.label;
    button.dataset.op = c.op;
    if (c.track !== undefined) button.dataset.track = c.track;
    if (c.battery !== undefined) button.dataset.battery = c.battery;
    td.replaceChildren(button);
  } else if (td.textContent !== String(c) || td.firstChild?.tagName === "BUTTON") {
    td.textContent = c;
  }
}

// A table's rows, keyed: a row whose key stays is updated in place (its buttons kept, so a
// click is never lost to a row rebuilt under the pointer); rows are kept in the given order.
// Each row is an array of cells with `key`, and optionally `cls` and `track` properties.
function rows(id, items) {
  const table = document.getElementById(id);
  const have = new Map([...table.children].map((tr) => [tr.dataset.key, tr]));
  items.forEach((r, i) => {
    const key = String(r.key ?? i);
    let tr = have.get(key);
    have.delete(key);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.key = key;
    }
    tr.className = r.cls ?? "";
    if (r.track !== undefined) tr.dataset.track = r.track;
    while (tr.children.length > r.length) tr.lastChild.remove();
    r.forEach((c, k) => fill(tr.children[k] ?? tr.appendChild(document.createElement("td")), c));
    if (table.children[i] !== tr) table.insertBefore(tr, table.children[i] ?? null);
  });
  for (const tr of have.values()) tr.remove();
}

const row = (cells, props) => Object.assign(cells, props);

function queue(f) {
  const operator = f.mode === "operator";
  const cells = [];
  for (const p of f.proposals ?? []) {
    cells.push(row([`T${p.track_id}`, p.threatens ?? "open ground", p.launcher,
      `by ${p.closes === null ? "?" : p.closes.toFixed(1)} s`,
      { op: "approve", label: "approve", track: p.track_id },
      { op: "reject", label: "reject", track: p.track_id }],
    { key: `p${p.track_id}`, cls: "proposal" }));
  }
  for (const o of f.orders ?? []) {
    cells.push(row([`T${o.track_id}`, o.origin, o.battery ?? "any battery", "next cycle"],
      { key: `o${o.track_id}` }));
  }
  (f.queue ?? []).forEach((q, k) => cells.push(row([`T${q.track_id}`, "launch", q.launcher,
    `t = ${q.time.toFixed(1)} s`], { key: `q${q.track_id}.${k}` })));
  if (!cells.length) {
    cells.push(row([operator ? "no proposal open" : f.mode === "replay" ? "replay"
      : "no round waiting"], { key: "none" }));
  }
  rows("queue", cells);
  state.proposals = (f.proposals ?? []).length;
}

// Pick a track (the next frame shows it).
function select(id) {
  selected = id;
}

function scoreBoard(score) {
  const box = document.getElementById("score");
  if (!score) { box.hidden = true; return; }
  box.hidden = false;
  state.score = score;
  if (score.error) { document.getElementById("verdict").textContent = score.error; return; }
  document.getElementById("verdict").textContent =
    `You did ${score.verdict}${score.verdict === "as good as" ? "" : " than"} the battle manager.`;
  rows("score-figures", [["", "you", "automatic"],
    ...score.figures.map((r) => [r.figure, r.trainee, r.automatic])]);
  rows("score-decisions", Object.entries(score.decisions));
}

const MARKS = { engagement: ["#1f3b73", 0], intercept: ["#1a9641", 1], impact: ["#b2182b", 2],
  alert: ["#f2b233", 3], approved: ["#000", 0], rejected: ["#888", 0] };

// The timeline strip: the run's events as ticks over time, the clock as a line; in a replay a
// click seeks there.
function drawTimeline(f) {
  for (const e of f.events) {
    if (e.kind in MARKS) timeline.set(`${e.time} ${e.kind} ${e.track_id} ${e.lat}`, e);
  }
  const c = document.getElementById("timeline");
  const g = c.getContext("2d");
  const end = f.state.end_time ?? Math.max(60, f.time * 1.2);
  c.classList.toggle("seekable", f.mode === "replay");
  c.dataset.end = end;
  g.clearRect(0, 0, c.width, c.height);
  for (const e of timeline.values()) {
    const [colour, lane] = MARKS[e.kind];
    g.fillStyle = colour;
    g.fillRect(Math.round((e.time / end) * (c.width - 2)), 4 + lane * 10, 2, 8);
  }
  g.fillStyle = "#000";
  g.fillRect(Math.round((f.time / end) * (c.width - 2)), 0, 1, c.height);
  g.fillText(`${f.time.toFixed(0)} s`, 2, c.height - 3);
}

const LISTED = new Set(["engagement", "intercept", "miss", "impact", "alert", "proposed",
  "approved", "rejected", "proposal_expired", "engage_ordered", "order_lapsed", "hold_fire",
  "fire_released"]);

function panel(f, tracks) {
  const s = f.state;
  state.mode = f.mode;
  state.paused = s.paused;
  document.getElementById("clock").textContent =
    `t = ${f.time.toFixed(1)} s · ${s.paused ? "paused" : `${s.speed}×`}${s.done ? " · ended" : ""}` +
    ` · ${f.mode ?? "live"}`;
  queue(f);
  scoreBoard(f.score);
  drawTimeline(f);
  rows("counts", [["tracks", tracks.length], ["interceptors in flight", f.interceptors.length],
    ["zones under alert", f.alerts.length], ["intercepts", state.intercepts],
    ["impacts", state.impacts]]);
  const live = f.mode !== "replay";
  rows("batteries", f.batteries.map((b) => row([b.name, `${b.ready_rounds} ready`,
    `${b.stock} stock`, ...(live ? [b.hold_fire
      ? { op: "release", label: "release", battery: b.name }
      : { op: "hold", label: "hold fire", battery: b.name }] : [])], { key: b.name })));
  rows("tracks", tracks.slice(0, 30).map((t) => row([`T${t.track_id}`, t.class,
    `${Math.round(t.alt_m)} m`, t.threatens ?? ""],
    { key: t.track_id, track: t.track_id, cls: t.track_id === selected ? "selected" : "" })));
  const picked = tracks.find((t) => t.track_id === selected);
  const sel = picked && live ? `T${picked.track_id} ${picked.class}` : "";
  if (selectedShown !== sel) {
    selectedShown = sel;
    const box = document.getElementById("selected");
    box.replaceChildren();
    if (sel) {
      box.append(`${sel} `);
      const b = document.createElement("button");
      Object.assign(b.dataset, { op: "engage", track: picked.track_id });
      b.textContent = "engage by hand";
      box.append(b);
    }
  }
  const list = document.getElementById("events");
  for (const e of f.events) {
    if (!LISTED.has(e.kind)) continue;
    const li = document.createElement("li");
    const track = e.track_id >= 0 ? ` T${e.track_id}` : "";
    li.textContent = `${e.time.toFixed(1)} s ${e.kind.replace("_", " ")}${track} ${e.detail}`;
    list.prepend(li);
  }
  while (list.children.length > 100) list.lastChild.remove();
  state.frames++;
  state.tracks = tracks.length;
}

function connect() {
  socket = new WebSocket(`ws://${location.host}/ws`);
  socket.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === "frame") {
      const start = performance.now();
      draw(msg);
      state.drawMs.push(performance.now() - start); // the last 100 frames' drawing time
      if (state.drawMs.length > 100) state.drawMs.shift();
    }
    else {
      if (msg.type === "error" && msg.message === "wrong token") authorised = false;
      document.getElementById("reply").textContent = msg.type === "error" ? msg.message : "";
    }
  };
}

let authorised = false;
function send(message) {
  if (!authorised) {
    socket.send(JSON.stringify({ token: document.getElementById("token").value }));
    authorised = true;
  }
  socket.send(JSON.stringify(message));
}
for (const b of document.querySelectorAll("#controls button")) {
  b.addEventListener("click", () => send(b.dataset.speed
    ? { action: "speed", speed: Number(b.dataset.speed) } : { action: b.dataset.action }));
}
// Operator actions: the buttons in the queue, the batteries and the selected track.
document.getElementById("panel").addEventListener("click", (e) => {
  const b = e.target.closest("button[data-op]");
  if (b) {
    const message = { action: b.dataset.op };
    if (b.dataset.track !== undefined) message.track_id = Number(b.dataset.track);
    if (b.dataset.battery !== undefined) message.battery = b.dataset.battery;
    send(message);
    return;
  }
  const tr = e.target.closest("#tracks tr");
  if (tr && tr.dataset.track !== undefined) select(Number(tr.dataset.track));
});
document.getElementById("timeline").addEventListener("click", (e) => {
  const c = e.currentTarget;
  if (!c.classList.contains("seekable")) return;
  const time = (e.offsetX / (c.width - 2)) * Number(c.dataset.end);
  send({ action: "seek", time: Math.max(0, time) }); // the marks so far stay
});
