/* o2c process explorer: the map, drill-down, timelines, filters, replay and dotted chart of one
 * event log, computed in the browser from the payload o2c wrote into this page
 * (toolkit/o2c/_explore/_payload.py). No request leaves the page.
 *
 * window.o2cExplorer, for embedding and tests:
 *   setSliders(activities, paths)  shares 0..1 of events and transitions the map keeps
 *   setMeasure(name)               transitions | cases | wait_median | wait_mean | wait_p90 |
 *                                  wait_total | duration_median | value_days
 *   visibleEdges()                 [{source, target, value}] of the map drawn, start/end edges
 *                                  with source "__start__" / target "__end__"; times in seconds
 *   ordersThrough(source, target)  ids of the filtered orders with that transition (target
 *                                  null or omitted: the orders through the activity source)
 *   timeline(orderId)              the order's rows, as o2c.case_timeline returns them
 *   setFilter({from, to, attributes, variants, conforming, side})  see README ("The explorer")
 *   state()                        the current sliders, measure, filter and orders kept
 *   comparison()                   a comparison's page (o2c compare, o2c.explore(comparison)):
 *                                  the rows of Comparison.edges the page shows, as compare.json
 *                                  writes them; null on other pages
 *   coloured()                     the edges drawn coloured by their change in median wait
 *                                  (measure wait_median_diff): [{source, target, colour, direction}]
 */
(function () {
  "use strict";

  const D = JSON.parse(document.getElementById("o2c-data").textContent);
  const NAMES = D.activities;
  const NA = NAMES.length;
  const EV = D.events;
  const CS = D.cases;
  const NC = CS.id.length;
  const START = D.start;
  const END = D.end;
  const UNIT = D.unit;
  const HAS_START = Array.isArray(EV.work);
  // a working calendar: waits, processing and lead times are differences of working clocks
  const CAL = D.calendar || null;
  const HAS_CAL = CAL !== null && Array.isArray(EV.wtime);
  // times arrive as the time since the order's previous event; starts as completion minus work
  (function decodeTimes() {
    for (let c = 0; c < CS.id.length; c++) {
      for (let i = CS.first[c] + 1; i < CS.first[c + 1]; i++) {
        EV.time[i] += EV.time[i - 1];
        if (HAS_CAL) EV.wtime[i] += EV.wtime[i - 1];
      }
    }
    if (HAS_START) EV.start = EV.work.map((w, i) => (w === null ? null : EV.time[i] - w));
    if (HAS_CAL && HAS_START) EV.wstart = EV.wwork.map((w, i) => (w === null ? null : EV.wtime[i] - w));
  })();
  const HAS_VALUE = Array.isArray(CS.value);
  const CODE = new Map(NAMES.map((n, i) => [n, i]));
  const CASE_INDEX = new Map(CS.id.map((id, i) => [id, i]));
  const KEEP = D.keep.map((c) => NAMES[c]);
  const MARKED = D.highlights.map(([s, t, role]) => [NAMES[s], NAMES[t], role]);
  const CAPS = D.caps;
  const DAY = 86400;
  // a comparison (o2c.compare): its edges table and the colours of the differential map, as
  // Python computed them (Comparison.edges, o2c.render._difference.difference_colours)
  const CMP = D.comparison || null;
  const CMP_ROWS = new Map(CMP ? CMP.edges.map((r) => [r.source + "\u0000" + r.target, r]) : []);
  const COLOURED = new Map(CMP ? CMP.colours.map(([s, t, colour, width]) => [s + "\u0000" + t, { colour, width }]) : []);
  const MEASURES = (CMP ? ["wait_median_diff"] : [])
    .concat(["transitions", "cases", "wait_median", "wait_mean", "wait_p90", "wait_total"])
    .concat(HAS_START ? ["duration_median"] : [])
    .concat(HAS_VALUE ? ["value_days"] : []);
  const WORKING = HAS_CAL ? ", working time" : "";
  const MEASURE_LABELS = {
    transitions: "Frequency: transitions (events)",
    cases: "Frequency: orders",
    wait_median: "Time: median wait" + WORKING,
    wait_mean: "Time: mean wait" + WORKING,
    wait_p90: "Time: 90th percentile wait" + WORKING,
    wait_total: "Time: total wait" + WORKING,
    duration_median: "Time: median processing" + WORKING,
    value_days: "Money: value × days waiting" + (HAS_CAL ? " (calendar days)" : ""),
    wait_median_diff: "Change: median wait" + WORKING + ", B against A",
  };
  // with a comparison, the changed edges are always drawn (as on the differential map)
  const KEPT_MARKED = MARKED.concat(CMP ? CMP.colours.map(([s, t]) => [s, t, "changed"]) : []);
  const VARIANT_OF_ID = new Map(D.variants.id.map((id, i) => [id, i]));

  // ---------------------------------------------------------------- state
  const state = {
    activities: D.sliders[0],
    paths: D.sliders[1],
    measure: CMP ? "wait_median_diff" : "transitions",
    filter: {},
    active: new Uint8Array(NC).fill(1),
    stats: null,
    map: null,
    selection: null,
  };

  function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const key = (s, t) => s + "\u0000" + t;
  const unkey = (k) => k.split("\u0000");

  // event i's start (its start time where known, else its completion), in units after origin
  function eventStart(i) {
    if (HAS_START && EV.start[i] !== null) return EV.start[i];
    return EV.time[i];
  }
  // the clock durations are taken on: event i's end and start on the working clock with a
  // calendar (o2c._calendar.on_working_clock, as o2c.assess counts), else its real times
  function clockEnd(i) {
    return HAS_CAL ? EV.wtime[i] : EV.time[i];
  }
  function clockStart(i) {
    if (!HAS_CAL) return eventStart(i);
    if (HAS_START && EV.wstart[i] !== null) return EV.wstart[i];
    return EV.wtime[i];
  }

  // polars' quantile with linear interpolation (as o2c.waiting_times' wait_p90; median = 0.5)
  function quantile(sorted, q) {
    if (!sorted.length) return null;
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  // ---------------------------------------------------------------- statistics of the kept orders
  function computeStats() {
    const edges = new Map(); // key -> {s, t, transitions, cases, waits[], valueDays, lastCase}
    const starts = new Map();
    const ends = new Map();
    const events = new Map();
    const durations = new Map();
    const variantCount = new Map();
    let nEvents = 0;
    let nCases = 0;
    for (let c = 0; c < NC; c++) {
      if (!state.active[c]) continue;
      const first = CS.first[c];
      const last = CS.first[c + 1] - 1;
      if (last < first) continue;
      nCases++;
      nEvents += last - first + 1;
      const v = CS.variant[c];
      if (v !== null) variantCount.set(v, (variantCount.get(v) || 0) + 1);
      const value = HAS_VALUE && CS.value[c] !== null ? CS.value[c] : 0;
      const sName = NAMES[EV.activity[first]];
      starts.set(sName, (starts.get(sName) || 0) + 1);
      const eName = NAMES[EV.activity[last]];
      ends.set(eName, (ends.get(eName) || 0) + 1);
      for (let i = first; i <= last; i++) {
        const a = NAMES[EV.activity[i]];
        events.set(a, (events.get(a) || 0) + 1);
        if (HAS_START && EV.start[i] !== null) {
          if (!durations.has(a)) durations.set(a, []);
          durations.get(a).push((clockEnd(i) - clockStart(i)) / UNIT);
        }
        if (i === last) break;
        const b = NAMES[EV.activity[i + 1]];
        const k = key(a, b);
        let e = edges.get(k);
        if (!e) {
          e = { source: a, target: b, transitions: 0, cases: 0, waits: [], valueDays: 0, lastCase: -1 };
          edges.set(k, e);
        }
        e.transitions++;
        if (e.lastCase !== c) {
          e.cases++;
          e.lastCase = c;
        }
        const wait = Math.max(0, (clockStart(i + 1) - clockEnd(i)) / UNIT); // an overlap waited 0
        e.waits.push(wait);
        // money waits on every calendar day, with a working calendar too (as o2c.bottlenecks)
        const days = HAS_CAL ? Math.max(0, (eventStart(i + 1) - EV.time[i]) / UNIT) : wait;
        e.valueDays += (value * days) / DAY;
      }
    }
    for (const e of edges.values()) {
      const w = e.waits;
      w.sort((x, y) => x - y);
      let total = 0;
      for (const x of w) total += x;
      e.wait_median = quantile(w, 0.5);
      e.wait_mean = total / w.length;
      e.wait_p90 = quantile(w, 0.9);
      e.wait_total = total;
      e.value_days = e.valueDays;
    }
    const processing = new Map();
    for (const [a, d] of durations) {
      d.sort((x, y) => x - y);
      processing.set(a, quantile(d, 0.5));
    }
    // the backbone: the most frequent variant of the kept orders, ties by trace compared name by
    // name (o2c.variants' order)
    let backbone = [];
    let best = -1;
    for (const [v, n] of variantCount) {
      const trace = D.variants.trace[v].map((code) => NAMES[code]);
      if (n > best || (n === best && traceLess(trace, backbone))) {
        best = n;
        backbone = trace;
      }
    }
    // every event is the first of its order or the target of one transition
    const weights = new Map();
    for (const [a, n] of starts) weights.set(a, n);
    for (const e of edges.values()) weights.set(e.target, (weights.get(e.target) || 0) + e.transitions);
    return { edges, starts, ends, events, processing, weights, backbone, nEvents, nCases, variantCount };
  }

  // Python's comparison of two tuples of names
  function traceLess(x, y) {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i] < y[i];
    }
    return x.length < y.length;
  }

  // ---------------------------------------------------------------- simplification
  // A faithful port of o2c.render._simplify.simplify (tests compare the two edge by edge).
  function allEdges(g) {
    const full = new Map();
    for (const e of g.edges.values()) full.set(key(e.source, e.target), e.transitions);
    for (const [a, n] of g.starts) full.set(key(START, a), n);
    for (const [a, n] of g.ends) full.set(key(a, END), n);
    return full;
  }

  function simplify(g, activities, paths, marked, caps, keep) {
    const most = caps.map((c) => (c === null || c === undefined ? Infinity : c));
    const byWeight = [...g.weights.keys()].sort((a, b) => g.weights.get(b) - g.weights.get(a) || cmp(a, b));
    let total = 0;
    for (const w of g.weights.values()) total += w;
    const nodes = new Set();
    let covered = 0;
    for (const name of byWeight) {
      if (nodes.size && (covered >= activities * total - 1e-9 || nodes.size >= most[0])) break;
      nodes.add(name);
      covered += g.weights.get(name);
    }
    for (const name of keep) if (g.weights.has(name)) nodes.add(name);
    const full = allEdges(g);
    const among = new Map();
    for (const [k, n] of full) {
      const [s, t] = unkey(k);
      const inside = (x) => nodes.has(x) || x === START || x === END;
      if (inside(s) && inside(t)) among.set(k, n);
    }
    const ranked = [...among.keys()].sort((x, y) => {
      const d = among.get(y) - among.get(x);
      if (d) return d;
      const [xs, xt] = unkey(x);
      const [ys, yt] = unkey(y);
      return cmp(xs, ys) || cmp(xt, yt);
    });
    let target = 0;
    for (const n of among.values()) target += n;
    target *= paths;
    const kept = new Map();
    let sum = 0;
    for (const k of ranked) {
      if (kept.size && (sum >= target - 1e-9 || kept.size >= most[1])) break;
      kept.set(k, among.get(k));
      sum += among.get(k);
    }
    for (let i = 0; i + 1 < g.backbone.length; i++) {
      const k = key(g.backbone[i], g.backbone[i + 1]);
      if (among.has(k)) kept.set(k, among.get(k));
    }
    for (const [s, t] of marked) {
      const k = key(s, t);
      if (!full.has(k)) continue; // not among the kept orders' edges
      kept.set(k, full.get(k));
      nodes.add(s);
      nodes.add(t);
    }
    if (full.size) connect(full, nodes, kept, g);
    return { nodes, kept };
  }

  function connect(full, nodes, kept, g) {
    let sources;
    let sinks;
    if (g.starts.size) {
      sources = new Set([START]);
      sinks = new Set([END]);
    } else {
      const targets = new Set();
      const origins = new Set();
      for (const k of full.keys()) {
        const [s, t] = unkey(k);
        origins.add(s);
        targets.add(t);
      }
      sources = new Set([...origins].filter((s) => !targets.has(s)));
      if (!sources.size) {
        const heaviest = [...g.weights.keys()].sort((a, b) => g.weights.get(b) - g.weights.get(a) || cmp(b, a))[0];
        sources = new Set([heaviest]);
      }
      sinks = new Set([...targets].filter((t) => !origins.has(t)));
      if (!sinks.size) sinks = sources;
    }
    const forward = new Map();
    const backward = new Map();
    const sortedFull = [...full.keys()].map(unkey).sort((x, y) => cmp(x[0], y[0]) || cmp(x[1], y[1]));
    for (const [s, t] of sortedFull) {
      const n = full.get(key(s, t));
      if (!forward.has(s)) forward.set(s, []);
      forward.get(s).push([t, n]);
      if (!backward.has(t)) backward.set(t, []);
      backward.get(t).push([s, n]);
    }
    for (const [reverse, anchors, links] of [
      [false, sources, forward],
      [true, sinks, backward],
    ]) {
      const order = [...nodes].sort((a, b) => (g.weights.get(b) || 0) - (g.weights.get(a) || 0) || cmp(a, b));
      for (const name of order) {
        const reached = reach(anchors, kept, reverse);
        if (reached.has(name)) continue;
        for (const [a, b] of widestPath(reached, name, links)) {
          const [s, t] = reverse ? [b, a] : [a, b];
          kept.set(key(s, t), full.get(key(s, t)));
          for (const x of [s, t]) if (x !== START && x !== END) nodes.add(x);
        }
      }
    }
  }

  function reach(anchors, kept, reverse) {
    const links = new Map();
    for (const k of kept.keys()) {
      const [s, t] = unkey(k);
      const [a, b] = reverse ? [t, s] : [s, t];
      if (!links.has(a)) links.set(a, []);
      links.get(a).push(b);
    }
    const seen = new Set(anchors);
    const stack = [...anchors];
    while (stack.length) {
      for (const next of links.get(stack.pop()) || []) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return seen;
  }

  // a binary heap of [negative width, name], smallest first (Python's heapq on tuples)
  function heapLess(x, y) {
    return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
  }
  function heapPush(heap, item) {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!heapLess(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }
  function heapPop(heap) {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heapLess(heap[l], heap[m])) m = l;
        if (r < heap.length && heapLess(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }

  function widestPath(reached, goal, links) {
    const best = new Map([...reached].map((n) => [n, Infinity]));
    const came = new Map();
    const heap = [];
    for (const name of [...reached].sort(cmp)) heapPush(heap, [-Infinity, name]);
    while (heap.length) {
      const [negative, name] = heapPop(heap);
      const width = -negative;
      if (width < (best.has(name) ? best.get(name) : -1)) continue;
      if (name === goal) break;
      for (const [next, n] of links.get(name) || []) {
        const through = Math.min(width, n);
        if (!reached.has(next) && through > (best.has(next) ? best.get(next) : -1)) {
          best.set(next, through);
          came.set(next, name);
          heapPush(heap, [-through, next]);
        }
      }
    }
    const steps = [];
    let name = goal;
    while (came.has(name)) {
      steps.push([came.get(name), name]);
      name = came.get(name);
    }
    return steps.reverse();
  }

  // ---------------------------------------------------------------- filters
  function toTime(value) {
    if (value === null || value === undefined || value === "") return null;
    const ms = typeof value === "number" ? value : Date.parse(value);
    if (Number.isNaN(ms)) throw new Error("o2cExplorer.setFilter: cannot read the time " + JSON.stringify(value));
    return ((ms / 1000 - D.origin) * UNIT);
  }

  function applyFilter(filter) {
    const from = toTime(filter.from);
    const to = toTime(filter.to);
    const attributes = filter.attributes || {};
    const wanted = Object.entries(attributes).map(([name, values]) => {
      const column = CS.attributes[name];
      if (!column) throw new Error("o2cExplorer.setFilter: no attribute " + JSON.stringify(name) + "; the orders have " + JSON.stringify(Object.keys(CS.attributes)));
      const codes = new Set(values.map((v) => column.values.indexOf(String(v))));
      return [column.code, codes];
    });
    const variants = filter.variants && filter.variants.length ? new Set(filter.variants.map((id) => VARIANT_OF_ID.get(Number(id)))) : null;
    const conforming = filter.conforming === undefined || filter.conforming === null ? null : Boolean(filter.conforming);
    let side = null;
    if (filter.side !== undefined && filter.side !== null && filter.side !== "") {
      if (!CMP) throw new Error("o2cExplorer.setFilter: side needs a comparison's page (o2c compare)");
      if (filter.side !== "a" && filter.side !== "b") throw new Error("o2cExplorer.setFilter: side must be 'a' or 'b'; got " + JSON.stringify(filter.side));
      side = filter.side === "b" ? 1 : 0;
    }
    for (let c = 0; c < NC; c++) {
      const first = CS.first[c];
      let keep = true;
      const begun = eventStart(first);
      if (from !== null && begun < from) keep = false;
      if (keep && to !== null && begun >= to) keep = false;
      for (const [code, codes] of wanted) {
        if (keep && !codes.has(code[c])) keep = false;
      }
      if (keep && variants && !variants.has(CS.variant[c])) keep = false;
      if (keep && conforming !== null && CS.conforming[c] !== conforming) keep = false;
      if (keep && side !== null && CMP.side[c] !== side) keep = false;
      state.active[c] = keep ? 1 : 0;
    }
  }

  // ---------------------------------------------------------------- formatting
  function plural(n, word) {
    return formatCount(n) + " " + word + (n === 1 ? "" : "s");
  }
  function formatCount(n) {
    return Math.round(n).toLocaleString("en-US");
  }
  // as o2c._format.format_duration: 3.2 d, 14 h, 35 min, 12 s; working time (a calendar) in
  // working days of the calendar's length and working hours: 2.1 wd, 14 wh
  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "";
    const sign = seconds < 0 ? "-" : "";
    seconds = Math.abs(seconds);
    const units = HAS_CAL ? [[CAL.day_seconds, "wd"], [3600, "wh"], [60, "min"]] : [[86400, "d"], [3600, "h"], [60, "min"]];
    for (const [size, unit] of units) {
      if (seconds >= size) {
        const amount = seconds / size;
        return sign + (amount < 10 ? amount.toFixed(1) : formatCount(amount)) + " " + unit;
      }
    }
    return sign + seconds.toFixed(0) + " s";
  }
  function formatMoney(x) {
    if (x === null || x === undefined) return "";
    const units = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];  // as o2c._format.format_amount
    for (const [size, unit] of units) if (Math.abs(x) >= size) return (x / size).toFixed(1) + " " + unit;
    return x.toFixed(0);
  }
  function formatValue(measure, x) {
    if (measure === "transitions" || measure === "cases") return formatCount(x);
    if (measure === "value_days") return formatMoney(x) + " " + (D.currency || "") + "·d";
    return formatDuration(x);
  }
  function formatTime(units) {
    if (units === null || units === undefined) return "";
    return new Date((D.origin + units / UNIT) * 1000).toISOString().replace("T", " ").replace(/\.000Z$|Z$/, "");
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attributes || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ---------------------------------------------------------------- the map
  let cy = null;

  function edgeValue(e, measure) {
    if (measure === "duration_median") return e.transitions;
    if (measure === "wait_median_diff") {
      const row = CMP_ROWS.get(key(e.source, e.target));
      return row ? row.wait_median_diff_s : null;
    }
    return e[measure];
  }

  function buildGraph() {
    const stats = computeStats(); // all orders: the layout covers every activity and edge
    const elements = [];
    elements.push({ data: { id: START, label: "start" }, classes: "terminal start" });
    elements.push({ data: { id: END, label: "end" }, classes: "terminal end" });
    NAMES.forEach((name) => elements.push({ data: { id: name, label: name, fill: "#cfe3f1", ink: "#000000" }, classes: "activity" }));
    const full = allEdges(stats);
    for (const [k, n] of full) {
      const [s, t] = unkey(k);
      elements.push({ data: { id: "e" + k, source: s, target: t, weight: n, label: "", width: 1 }, classes: "edge" });
    }
    cy = window.cytoscape({
      container: document.getElementById("map"),
      elements,
      minZoom: 0.05,
      maxZoom: 4,
      style: [
        { selector: "node.activity", style: {
          shape: "round-rectangle", "background-color": "data(fill)", color: "data(ink)", label: "data(label)",
          "text-wrap": "wrap", "text-max-width": 150, "line-height": 1.15, "text-valign": "center", "font-size": 12,
          width: 160, height: 40, "border-width": 1, "border-color": "#0b3d5c" } },
        { selector: "node.terminal", style: { shape: "ellipse", width: 34, height: 34, label: "data(label)", "font-size": 10, color: "#fff", "text-valign": "center" } },
        { selector: "node.start", style: { "background-color": "#009E73" } },
        { selector: "node.end", style: { "background-color": "#000000" } },
        { selector: "edge", style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", width: "data(width)", "line-color": "#6E6E6E",
          "target-arrow-color": "#6E6E6E", label: "data(label)", "font-size": 11, "text-background-color": "#fff",
          "text-background-opacity": 0.85, "text-background-padding": 2, color: "#222" } },
        { selector: "edge:loop", style: { "loop-direction": "90deg", "loop-sweep": "-50deg", "control-point-step-size": 70 } },
        { selector: "edge.bottleneck", style: { "line-color": "#D55E00", "target-arrow-color": "#D55E00", color: "#D55E00", "font-weight": "bold" } },
        { selector: "edge.rework", style: { "line-color": "#CC79A7", "target-arrow-color": "#CC79A7", color: "#8a3f6a", "font-weight": "bold" } },
        { selector: "edge.unchanged", style: { "line-color": "#BBBBBB", "target-arrow-color": "#BBBBBB", color: "#555", "font-weight": "normal" } },
        { selector: "edge.changed", style: { "line-color": "data(colour)", "target-arrow-color": "data(colour)", color: "data(colour)", "font-weight": "bold" } },
        { selector: "edge.selected", style: { "line-color": "#0072B2", "target-arrow-color": "#0072B2", "line-style": "dashed" } },
        { selector: "node.selected", style: { "border-width": 4, "border-color": "#D55E00" } },
        { selector: ".hidden", style: { display: "none" } },
        { selector: "node.token", style: { width: 12, height: 12, "background-color": "#E69F00", label: "", "border-width": 1.5, "border-color": "#7a4a00", events: "no" } },
      ],
      layout: { name: "preset" },
    });
    for (const [s, t, role] of MARKED) cy.getElementById("e" + key(s, t)).addClass(role);
    layOut(stats);
    cy.on("tap", "edge", (event) => {
      const e = event.target;
      select({ source: e.data("source"), target: e.data("target") });
    });
    cy.on("tap", "node.activity", (event) => select({ source: event.target.id(), target: null }));
  }

  // Positions are laid out once, by dagre, over every activity: the edges of the map at the
  // sliders' start, and each other activity's widest edge in and out, so that it sits beside
  // its neighbours; moving a slider or a filter only shows, hides and relabels.
  function layOut(stats) {
    const { kept } = simplify(
      { edges: stats.edges, starts: stats.starts, ends: stats.ends, weights: stats.weights, backbone: stats.backbone },
      state.activities, state.paths, KEPT_MARKED, CAPS, KEEP,
    );
    const chosen = new Set(kept.keys());
    const widestIn = new Map();
    const widestOut = new Map();
    for (const [k, n] of allEdges(stats)) {
      const [s, t] = unkey(k);
      if (s === t) continue;
      if (!widestOut.has(s) || n > widestOut.get(s)[1]) widestOut.set(s, [k, n]);
      if (!widestIn.has(t) || n > widestIn.get(t)[1]) widestIn.set(t, [k, n]);
    }
    const placed = new Set();
    for (const k of chosen) unkey(k).forEach((x) => placed.add(x));
    for (const name of NAMES) {
      if (placed.has(name)) continue;
      for (const side of [widestIn, widestOut]) if (side.has(name)) chosen.add(side.get(name)[0]);
    }
    const edges = cy.edges().filter((edge) => chosen.has(key(edge.data("source"), edge.data("target"))));
    cy.nodes().union(edges).layout({
      name: "dagre", rankDir: "TB", nodeSep: 30, rankSep: 45, edgeSep: 10, fit: false,
      edgeWeight: (edge) => Math.max(1, Math.log(1 + edge.data("weight"))),
    }).run();
  }

  // the whole map when it is readable so, else the top of it at a readable zoom
  function fitMap() {
    const shown = cy.elements(":visible");
    cy.fit(shown, 20);
    const readable = 0.8;
    if (cy.zoom() < readable) {
      cy.zoom(readable);
      const box = shown.boundingBox();
      cy.pan({ x: cy.width() / 2 - ((box.x1 + box.x2) / 2) * readable, y: 20 - box.y1 * readable });
    }
  }

  function tint(share) {
    // the report's node colour, lighter for fewer events (o2c.render._dot._tint)
    const base = [0x00, 0x72, 0xb2];
    const mix = base.map((c) => Math.round(255 - (255 - c) * share));
    const ink = 0.299 * mix[0] + 0.587 * mix[1] + 0.114 * mix[2] < 140 ? "#ffffff" : "#000000";
    return ["rgb(" + mix.join(",") + ")", ink];
  }

  function redraw() {
    const stats = state.stats;
    const { nodes, kept } = simplify(
      { edges: stats.edges, starts: stats.starts, ends: stats.ends, weights: stats.weights, backbone: stats.backbone },
      state.activities, state.paths, KEPT_MARKED, CAPS, KEEP,
    );
    state.map = { nodes, kept };
    const heaviest = Math.max(1, ...stats.weights.values());
    let widest = 1;
    for (const e of stats.edges.values()) widest = Math.max(widest, e.transitions);
    const measure = state.measure;
    cy.batch(() => {
      cy.nodes(".activity").forEach((node) => {
        const name = node.id();
        const shown = nodes.has(name);
        node.toggleClass("hidden", !shown);
        if (!shown) return;
        const n = stats.weights.get(name) || 0;
        const [fill, ink] = tint(0.12 + (0.78 * n) / heaviest);
        let facts = formatCount(n);
        if (stats.processing.has(name)) facts += " · work " + formatDuration(stats.processing.get(name));
        node.data({ label: name + "\n" + facts, fill, ink });
      });
      cy.nodes(".terminal").toggleClass("hidden", !stats.nCases);
      cy.edges().forEach((edge) => {
        const k = key(edge.data("source"), edge.data("target"));
        const shown = kept.has(k);
        edge.toggleClass("hidden", !shown);
        if (!shown) return;
        const e = stats.edges.get(k);
        const n = kept.get(k);
        const differential = measure === "wait_median_diff";
        const coloured = differential && COLOURED.has(k);
        edge.toggleClass("changed", coloured);
        edge.toggleClass("unchanged", differential && !coloured);
        if (differential) {
          // the differential map: the changed edges in their colour, labelled with the change
          const diff = coloured ? CMP_ROWS.get(k).wait_median_diff_s : null;
          const label = coloured ? (diff > 0 ? "+" : "") + formatDuration(diff) : "";
          edge.data(coloured ? { label, colour: COLOURED.get(k).colour, width: COLOURED.get(k).width } : { label, width: 1 + (2 * n) / widest });
          return;
        }
        const value = e ? edgeValue(e, measure) : n;
        const label = e ? formatValue(measure === "duration_median" ? "transitions" : measure, value) : (measure === "transitions" || measure === "cases" ? formatCount(n) : "");
        edge.data({ label, width: 1 + (7 * n) / widest });
      });
    });
    renderTiles();
    renderLeftOut();
    if (CMP) {
      document.getElementById("compare-legend").hidden = measure !== "wait_median_diff";
      document.querySelector("#controls .legend").hidden = measure === "wait_median_diff"; // no roles drawn then
    }
  }

  function coloured() {
    const out = [];
    cy.edges(".changed").forEach((edge) => {
      if (edge.hasClass("hidden")) return;
      const row = CMP_ROWS.get(key(edge.data("source"), edge.data("target")));
      out.push({ source: edge.data("source"), target: edge.data("target"), colour: edge.data("colour"), direction: row.wait_median_diff_s > 0 ? "longer" : "shorter" });
    });
    return out.sort((x, y) => cmp(x.source, y.source) || cmp(x.target, y.target));
  }

  function visibleEdges() {
    const out = [];
    const stats = state.stats;
    for (const [k, n] of state.map.kept) {
      const [source, target] = unkey(k);
      const e = stats.edges.get(k);
      let value;
      if (state.measure === "wait_median_diff") value = CMP_ROWS.has(k) ? CMP_ROWS.get(k).wait_median_diff_s : null;
      else if (e) value = edgeValue(e, state.measure);
      else value = state.measure === "transitions" || state.measure === "cases" ? n : null;
      out.push({ source, target, value });
    }
    return out.sort((x, y) => cmp(x.source, y.source) || cmp(x.target, y.target));
  }

  // ---------------------------------------------------------------- tiles and captions
  function median(values) {
    const sorted = values.slice().sort((x, y) => x - y);
    return quantile(sorted, 0.5);
  }

  function renderTiles() {
    const stats = state.stats;
    const leads = [];
    let value = 0;
    let fit = 0;
    let aligned = 0;
    for (let c = 0; c < NC; c++) {
      if (!state.active[c]) continue;
      const first = CS.first[c];
      const last = CS.first[c + 1] - 1;
      leads.push((clockEnd(last) - clockStart(first)) / UNIT);
      if (HAS_VALUE && CS.value[c] !== null) value += CS.value[c];
      if (CS.conforming[c] !== null) {
        aligned++;
        if (CS.conforming[c]) fit++;
      }
    }
    const tiles = [
      ["Orders", formatCount(stats.nCases) + (stats.nCases < NC ? " of " + formatCount(NC) : "")],
      ["Events", formatCount(stats.nEvents)],
      ["Variants", formatCount(stats.variantCount.size)],
      ["Median lead time", formatDuration(median(leads))],
      ["Conforming", aligned ? ((100 * fit) / aligned).toFixed(1) + "%" : "–"],
    ];
    if (HAS_VALUE) tiles.push(["Order value", formatMoney(value) + " " + (D.currency || "")]);
    const box = document.getElementById("tiles");
    box.replaceChildren(...tiles.map(([name, text]) => el("div", { class: "tile" }, el("div", { class: "tile-value" }, text), el("div", { class: "tile-name" }, name))));
  }

  function renderLeftOut() {
    const stats = state.stats;
    const gone = [...stats.weights.keys()].filter((n) => !state.map.nodes.has(n));
    let dropped = 0;
    let total = 0;
    let paths = 0;
    for (const [k, e] of stats.edges) {
      total += e.transitions;
      if (!state.map.kept.has(k)) {
        dropped += e.transitions;
        paths++;
      }
    }
    const parts = [];
    if (gone.length) parts.push(gone.length + (gone.length === 1 ? " activity" : " activities"));
    if (paths) parts.push(paths + (paths === 1 ? " path" : " paths") + " (" + ((100 * dropped) / Math.max(1, total)).toFixed(1) + "% of transitions)");
    document.getElementById("left-out").textContent = parts.length ? "Left out: " + parts.join(" and ") : "Every activity and path of the kept orders is drawn.";
  }

  // ---------------------------------------------------------------- drill-down
  function ordersThroughIndexes(source, target) {
    const a = CODE.get(source);
    const b = target === null || target === undefined ? null : CODE.get(target);
    const rows = [];
    if (a === undefined || b === undefined) return rows;
    for (let c = 0; c < NC; c++) {
      if (!state.active[c]) continue;
      const first = CS.first[c];
      const last = CS.first[c + 1] - 1;
      let hits = 0;
      let wait = 0;
      for (let i = first; i <= last; i++) {
        if (b === null) {
          if (EV.activity[i] === a) {
            hits++;
            if (i > first) wait += Math.max(0, (clockStart(i) - clockEnd(i - 1)) / UNIT);
          }
        } else if (i < last && EV.activity[i] === a && EV.activity[i + 1] === b) {
          hits++;
          wait += Math.max(0, (clockStart(i + 1) - clockEnd(i)) / UNIT);
        }
      }
      if (hits) rows.push({ c, hits, wait });
    }
    return rows;
  }

  // a deterministic sample of at most `size` rows: every k-th row in log order
  function sample(rows, size) {
    if (rows.length <= size) return rows;
    const step = rows.length / size;
    const out = [];
    for (let i = 0; i < size; i++) out.push(rows[Math.floor(i * step)]);
    return out;
  }

  let drillSort = { column: "wait", descending: true };

  function select(selection) {
    state.selection = selection;
    cy.elements().removeClass("selected");
    if (selection.target === null) cy.getElementById(selection.source).addClass("selected");
    else cy.getElementById("e" + key(selection.source, selection.target)).addClass("selected");
    renderDrill();
  }

  function renderDrill() {
    const box = document.getElementById("drill");
    const selection = state.selection;
    if (!selection) {
      box.replaceChildren(el("p", { class: "hint" }, "Click an activity or an arrow on the map to list the orders through it."));
      return;
    }
    const all = ordersThroughIndexes(selection.source, selection.target);
    const rows = sample(all, D.drill_rows);
    const what = selection.target === null ? selection.source : selection.source + " → " + selection.target;
    const attributes = Object.keys(CS.attributes);
    const columns = [
      ["id", "Order"], ["hits", selection.target === null ? "Times" : "Transitions"],
      ["wait", selection.target === null ? "Wait before" : "Wait here"],
    ].concat(HAS_VALUE ? [["value", "Value"]] : []).concat([["variant", "Variant"], ["conforming", "Conforming"]])
      .concat(attributes.map((name) => ["attr:" + name, name]));
    const cell = (r, column) => {
      if (column === "id") return CS.id[r.c];
      if (column === "hits") return r.hits;
      if (column === "wait") return r.wait;
      if (column === "value") return HAS_VALUE ? CS.value[r.c] : null;
      if (column === "variant") return CS.variant[r.c] === null ? null : D.variants.id[CS.variant[r.c]];
      if (column === "conforming") return CS.conforming[r.c];
      const a = CS.attributes[column.slice(5)];
      const code = a.code[r.c];
      return code === null ? null : a.values[code];
    };
    const sorted = rows.slice().sort((x, y) => {
      const p = cell(x, drillSort.column);
      const q = cell(y, drillSort.column);
      const d = p === q ? 0 : p === null ? 1 : q === null ? -1 : p < q ? -1 : 1;
      return (drillSort.descending ? -d : d) || x.c - y.c;
    });
    const shown = (column, v) => {
      if (v === null || v === undefined) return "";
      if (column === "wait") return formatDuration(v);
      if (column === "value") return formatCount(v);
      if (column === "conforming") return v ? "yes" : "no";
      return String(v);
    };
    const head = el("tr", {}, ...columns.map(([column, title]) => el("th", {
      class: "sortable" + (drillSort.column === column ? (drillSort.descending ? " down" : " up") : ""),
      onclick: () => {
        drillSort = { column, descending: drillSort.column === column ? !drillSort.descending : true };
        renderDrill();
      },
    }, title)));
    const body = sorted.map((r) => el("tr", {}, ...columns.map(([column]) => column === "id"
      ? el("td", {}, el("a", { href: "#", class: "order-link", "data-order": CS.id[r.c], onclick: (event) => { event.preventDefault(); showTimeline(CS.id[r.c]); } }, CS.id[r.c]))
      : el("td", { class: column === "wait" || column === "value" || column === "hits" ? "num" : "" }, shown(column, cell(r, column))))));
    const capped = all.length > rows.length
      ? "showing " + formatCount(rows.length) + " of " + formatCount(all.length) + " orders (every " + (all.length / rows.length).toFixed(1) + "th in log order; the cap is " + formatCount(D.drill_rows) + ")"
      : formatCount(all.length) + (all.length === 1 ? " order" : " orders");
    box.replaceChildren(
      el("h3", {}, what),
      el("p", { class: "caption" }, capped + ". " + (selection.target === null
        ? "Wait before: from the end of the order's previous step to the start of this one"
        : "Wait here: from the end of " + selection.source + " to the start of " + selection.target)
        + " (summed when it happens more than once; an overlap counts 0, as on the map). Click a column to sort, an order to walk through it."),
      el("div", { class: "table-box" }, el("table", { id: "drill-table" }, el("thead", {}, head), el("tbody", {}, ...body))),
    );
  }

  // ---------------------------------------------------------------- timeline
  const TL = D.timeline;
  // rework: o2c.case_timeline's flag (the activity happened earlier in the order, for the same
  // object in a log flattened from objects), sent as gaps between the events' indices
  const REWORK = new Uint8Array(EV.activity.length);
  for (let k = 0, i = -1; k < TL.rework.length; k++) {
    i += TL.rework[k];
    REWORK[i] = 1;
  }
  const MILESTONE = new Map(TL.milestone);

  // an ISO 8601 time in UTC, with milliseconds where the log has them
  function isoTime(units) {
    const text = new Date((D.origin + units / UNIT) * 1000).toISOString();
    return UNIT === 1 ? text.replace(".000Z", "Z") : text;
  }

  // with a calendar, a row's calendar-time twins of wait and processing (case_timeline(calendar=)'s)
  function withTwins(row, waitCalendar, processingCalendar) {
    if (HAS_CAL) {
      row.wait_calendar = waitCalendar;
      row.processing_calendar = processingCalendar;
    }
    return row;
  }

  // The order's rows as o2c.case_timeline gives them (with the assessment's calendar: calendar=): timestamps as ISO text (UTC), wait and
  // processing in seconds (the wait signed: overlapping work waited less than nothing), step
  // null for a skipped step of the ideal path.
  function timelineRows(orderId) {
    const c = CASE_INDEX.get(String(orderId));
    if (c === undefined) return null;
    const first = CS.first[c];
    const last = CS.first[c + 1] - 1;
    const rows = [];
    const skipped = TL.skipped[String(c)] || [];
    const due = TL.days_past_due[c];
    let k = 0; // the next skipped step
    const skippedRow = (activity) => withTwins({
      case_id: CS.id[c], step: null, activity: activity < NA ? NAMES[activity] : TL.extra[activity - NA],
      timestamp: null, resource: null, wait: null, processing: null, move: "skipped", rework: false,
      milestone: null, days_past_due: due,
    }, null, null);
    for (let i = first; i <= last; i++) {
      const step = i - first + 1;
      while (k < skipped.length && skipped[k][0] < step) rows.push(skippedRow(skipped[k++][1]));
      const hasStart = HAS_START && EV.start[i] !== null;
      rows.push(withTwins({
        case_id: CS.id[c],
        step,
        activity: NAMES[EV.activity[i]],
        timestamp: isoTime(EV.time[i]),
        resource: EV.resource && EV.resource[i] !== null ? EV.resources[EV.resource[i]] : null,
        wait: i === first ? null : (clockStart(i) - clockEnd(i - 1)) / UNIT,
        processing: hasStart ? (clockEnd(i) - clockStart(i)) / UNIT : null,
        move: TL.move[i] === null ? null : TL.moves[TL.move[i]],
        rework: REWORK[i] === 1,
        milestone: MILESTONE.has(i) ? TL.milestone_names[MILESTONE.get(i)] : null,
        days_past_due: due,
      }, i === first ? null : (eventStart(i) - EV.time[i - 1]) / UNIT, hasStart ? (EV.time[i] - EV.start[i]) / UNIT : null));
    }
    while (k < skipped.length) rows.push(skippedRow(skipped[k++][1]));
    return rows;
  }

  function showTimeline(orderId) {
    const box = document.getElementById("timeline");
    const rows = timelineRows(orderId);
    document.getElementById("order-input").value = orderId;
    if (!rows) {
      box.replaceChildren(el("p", { class: "error" }, "No order " + JSON.stringify(String(orderId)) + " in this log."));
      return;
    }
    const c = CASE_INDEX.get(String(orderId));
    const v = CS.variant[c];
    const due = rows.length ? rows[0].days_past_due : null;
    const facts = [
      "variant " + (v === null ? "–" : D.variants.id[v]),
      CS.conforming[c] === null ? "" : CS.conforming[c] ? "follows the ideal path" : "deviates from the ideal path",
      HAS_VALUE && CS.value[c] !== null ? "value " + formatCount(CS.value[c]) + " " + (D.currency || "") : "",
      due === null || due === undefined ? "" : "days past due: " + due + (due < 0 ? " (paid " + -due + " days early)" : ""),
    ].filter(Boolean).join(" · ");
    const titles = ["Step", "Activity", "Completed", "Resource", "Wait before" + (HAS_CAL ? " (working)" : "")].concat(HAS_START ? ["Processing" + (HAS_CAL ? " (working)" : "")] : []).concat(["Ideal path", "Rework", "Milestone"]);
    const head = el("tr", {}, ...titles.map((t) => el("th", {}, t)));
    const body = rows.map((r) => el("tr", { class: r.move === "skipped" ? "skipped" : r.move === "inserted" ? "inserted" : "" },
      el("td", { class: "num" }, r.step === null ? "" : r.step),
      el("td", {}, r.activity),
      el("td", {}, r.timestamp ? r.timestamp.replace("T", " ").replace("Z", "") : ""),
      el("td", {}, r.resource || ""),
      el("td", { class: "num" }, r.wait === null ? "" : formatDuration(r.wait)),
      HAS_START ? el("td", { class: "num" }, r.processing === null ? "" : formatDuration(r.processing)) : null,
      el("td", {}, r.move || ""),
      el("td", {}, r.rework ? "rework" : ""),
      el("td", {}, r.milestone || "")));
    const ideal = el("p", { class: "caption" }, "Ideal path (" + D.ideal.name + "): ",
      ...D.ideal.steps.map((s, i) => el("span", { class: "ideal-step" + (rows.some((r) => r.activity === s && r.move === "skipped") ? " skipped" : rows.some((r) => r.activity === s) ? " done" : " optional") }, (i ? " → " : "") + s)));
    box.replaceChildren(el("h3", {}, "Order " + String(orderId)), el("p", { class: "caption" }, facts), ideal,
      el("div", { class: "table-box" }, el("table", { id: "timeline-table" }, el("thead", {}, head), el("tbody", {}, ...body))));
    box.scrollIntoView({ block: "nearest" });
  }

  // ---------------------------------------------------------------- dotted chart and replay
  function paletteColour(code) {
    const palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999", "#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74", "#80BA5A", "#E68310"];
    return palette[code % palette.length];
  }

  function activeRange() {
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < NC; c++) {
      if (!state.active[c]) continue;
      lo = Math.min(lo, eventStart(CS.first[c]));
      hi = Math.max(hi, EV.time[CS.first[c + 1] - 1]);
    }
    return [lo, hi];
  }

  function drawDotted() {
    const canvas = document.getElementById("dotted");
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.fillStyle = "#fff";
    g.fillRect(0, 0, width, height);
    const [lo, hi] = activeRange();
    const orders = state.stats.nCases;
    if (!orders) return;
    const left = 50;
    const bottom = 20;
    const span = Math.max(1, hi - lo);
    const x = (t) => left + ((t - lo) / span) * (width - left - 10);
    let row = 0;
    const dy = (height - bottom - 5) / orders;
    const high = Math.max(1.5, Math.min(4, dy));
    const wide = Math.max(2.5, high);
    for (let c = 0; c < NC; c++) {
      if (!state.active[c]) continue;
      const y = 5 + row * dy;
      for (let i = CS.first[c]; i < CS.first[c + 1]; i++) {
        g.fillStyle = paletteColour(EV.activity[i]);
        g.fillRect(x(EV.time[i]) - wide / 2, y, wide, high);
      }
      row++;
    }
    g.fillStyle = "#333";
    g.font = "11px sans-serif";
    g.fillText(formatTime(lo).slice(0, 10), left, height - 5);
    const end = formatTime(hi).slice(0, 10);
    g.fillText(end, width - 10 - g.measureText(end).width, height - 5);
    g.save();
    g.translate(12, height / 2);
    g.rotate(-Math.PI / 2);
    g.fillText(plural(orders, "order"), -30, 0);
    g.restore();
    const legend = document.getElementById("dotted-legend");
    const seen = [...state.stats.events.keys()].sort(cmp);
    legend.replaceChildren(...seen.map((name) => el("span", { class: "legend-item" }, el("span", { class: "swatch", style: "background:" + paletteColour(CODE.get(name)) }), name)));
  }

  const replay = { running: false, clock: null, speed: 1, frame: null, last: null, tokens: null };

  function replayStart() {
    replayStop();
    const [lo, hi] = activeRange();
    if (!Number.isFinite(lo)) return;
    const from = toTime(document.getElementById("replay-from").value) ?? lo;
    const to = toTime(document.getElementById("replay-to").value) ?? hi;
    replay.clock = from;
    replay.end = to;
    replay.running = true;
    replay.last = null;
    replay.tokens = cy.add([]);
    const step = (now) => {
      if (!replay.running) return;
      if (replay.last !== null) {
        const days = (Number(document.getElementById("replay-speed").value) * (now - replay.last)) / 1000;
        replay.clock += days * DAY * UNIT;
      }
      replay.last = now;
      drawTokens();
      if (replay.clock > replay.end) {
        replayStop();
        return;
      }
      replay.frame = requestAnimationFrame(step);
    };
    replay.frame = requestAnimationFrame(step);
  }

  function replayStop() {
    replay.running = false;
    if (replay.frame) cancelAnimationFrame(replay.frame);
    if (replay.tokens) replay.tokens.remove();
    replay.tokens = null;
  }

  function drawTokens() {
    const t = replay.clock;
    const positions = [];
    for (let c = 0; c < NC && positions.length < 2000; c++) {
      if (!state.active[c]) continue;
      const first = CS.first[c];
      const last = CS.first[c + 1] - 1;
      if (eventStart(first) > t || EV.time[last] < t) continue;
      for (let i = first; i < last; i++) {
        const begin = EV.time[i];
        const arrive = eventStart(i + 1);
        if (begin <= t && t <= arrive) {
          const a = cy.getElementById(NAMES[EV.activity[i]]);
          const b = cy.getElementById(NAMES[EV.activity[i + 1]]);
          if (a.hasClass("hidden") || b.hasClass("hidden")) break;
          const f = arrive > begin ? (t - begin) / (arrive - begin) : 1;
          const p = a.position();
          const q = b.position();
          positions.push({ x: p.x + (q.x - p.x) * f + ((c * 7) % 11) - 5, y: p.y + (q.y - p.y) * f + ((c * 5) % 9) - 4 });
          break;
        }
      }
    }
    cy.batch(() => {
      replay.tokens.remove();
      replay.tokens = cy.add(positions.map((position, i) => ({ group: "nodes", data: { id: "token" + i }, position, classes: "token", selectable: false, grabbable: false })));
    });
    document.getElementById("replay-clock").textContent = formatTime(t) + " · " + plural(positions.length, "order") + " moving";
  }

  // ---------------------------------------------------------------- controls
  function refresh() {
    state.stats = computeStats();
    redraw();
    renderDrill();
    if (document.getElementById("dotted").offsetParent !== null) drawDotted();
  }

  function setSliders(activities, paths) {
    for (const [name, x] of [["activities", activities], ["paths", paths]]) {
      if (typeof x !== "number" || !(x >= 0 && x <= 1)) throw new Error("o2cExplorer.setSliders: " + name + " must be a share from 0 to 1; got " + JSON.stringify(x));
    }
    state.activities = activities;
    state.paths = paths;
    document.getElementById("slider-activities").value = Math.round(activities * 100);
    document.getElementById("slider-paths").value = Math.round(paths * 100);
    sliderLabels();
    redraw();
  }

  function setMeasure(name) {
    if (!MEASURES.includes(name)) throw new Error("o2cExplorer.setMeasure: the measure must be one of " + MEASURES.join(", ") + "; got " + JSON.stringify(name));
    state.measure = name;
    document.getElementById("measure").value = name;
    redraw();
  }

  function setFilter(filter) {
    filter = filter || {};
    const known = ["from", "to", "attributes", "variants", "conforming", "side"];
    for (const k of Object.keys(filter)) {
      if (!known.includes(k)) throw new Error("o2cExplorer.setFilter: unknown key " + JSON.stringify(k) + "; keys are " + known.join(", "));
    }
    applyFilter(filter);
    state.filter = filter;
    syncFilterControls();
    refresh();
  }

  function sliderLabels() {
    document.getElementById("label-activities").textContent = Math.round(state.activities * 100) + "%";
    document.getElementById("label-paths").textContent = Math.round(state.paths * 100) + "%";
  }

  function syncFilterControls() {
    const f = state.filter;
    document.getElementById("filter-from").value = f.from ? String(f.from).slice(0, 10) : "";
    document.getElementById("filter-to").value = f.to ? String(f.to).slice(0, 10) : "";
    document.getElementById("filter-conforming").value = f.conforming === true ? "yes" : f.conforming === false ? "no" : "";
    for (const select of document.querySelectorAll("select.attribute")) {
      const chosen = (f.attributes || {})[select.dataset.attribute] || [];
      for (const option of select.options) option.selected = chosen.includes(option.value);
    }
    const variant = document.getElementById("filter-variant");
    for (const option of variant.options) option.selected = (f.variants || []).map(String).includes(option.value);
    document.getElementById("filter-side").value = f.side || "";
  }

  function readFilterControls() {
    const filter = {};
    const from = document.getElementById("filter-from").value;
    const to = document.getElementById("filter-to").value;
    if (from) filter.from = from;
    if (to) filter.to = to;
    const conforming = document.getElementById("filter-conforming").value;
    if (conforming) filter.conforming = conforming === "yes";
    const attributes = {};
    for (const select of document.querySelectorAll("select.attribute")) {
      const chosen = [...select.selectedOptions].map((o) => o.value);
      if (chosen.length) attributes[select.dataset.attribute] = chosen;
    }
    if (Object.keys(attributes).length) filter.attributes = attributes;
    const variants = [...document.getElementById("filter-variant").selectedOptions].map((o) => Number(o.value));
    if (variants.length) filter.variants = variants;
    const side = document.getElementById("filter-side").value;
    if (side) filter.side = side;
    return filter;
  }

  function buildControls() {
    document.getElementById("title").textContent = D.title;
    document.getElementById("subtitle").textContent = (D.sha256 ? "sha256 " + D.sha256 + " · " : "") + "ideal path: " + D.ideal.name + (D.ideal.discovered ? " (discovered from the log)" : "")
      + (HAS_CAL ? " · working time: " + CAL.text : "");
    if (HAS_CAL) {
      const hours = CAL.day_seconds / 3600;
      document.getElementById("working-time").textContent = "Waits, processing and lead times count working time of " + CAL.name
        + ": wd = a working day of " + String(Number(hours.toFixed(4))) + " h, wh = a working hour. Timestamps are real; value × days waiting counts calendar days.";
    }
    if (CMP) buildComparison();
    const measure = document.getElementById("measure");
    measure.replaceChildren(...MEASURES.map((m) => el("option", { value: m }, MEASURE_LABELS[m])));
    measure.addEventListener("change", () => setMeasure(measure.value));
    for (const name of ["activities", "paths"]) {
      const slider = document.getElementById("slider-" + name);
      slider.value = Math.round(state[name] * 100);
      slider.addEventListener("input", () => {
        state[name] = Number(slider.value) / 100;
        sliderLabels();
        redraw();
      });
    }
    sliderLabels();
    const attributes = document.getElementById("filter-attributes");
    attributes.replaceChildren(...Object.entries(CS.attributes).filter(([, a]) => a.values.length > 1 && a.values.length <= 200).map(([name, a]) =>
      el("label", { class: "attribute" }, name, el("select", { class: "attribute", multiple: "", size: Math.min(4, a.values.length), "data-attribute": name },
        ...a.values.map((v) => el("option", { value: v }, v))))));
    const variant = document.getElementById("filter-variant");
    const counts = new Map();
    for (let c = 0; c < NC; c++) if (CS.variant[c] !== null) counts.set(CS.variant[c], (counts.get(CS.variant[c]) || 0) + 1);
    variant.replaceChildren(...D.variants.id.slice(0, 200).map((id, v) => el("option", { value: id }, "#" + id + " · " + plural(counts.get(v) || 0, "order") + " · " + plural(D.variants.trace[v].length, "step"))));
    document.getElementById("filter-apply").addEventListener("click", () => setFilter(readFilterControls()));
    document.getElementById("filter-reset").addEventListener("click", () => setFilter({}));
    document.getElementById("order-go").addEventListener("click", () => showTimeline(document.getElementById("order-input").value.trim()));
    document.getElementById("order-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter") showTimeline(event.target.value.trim());
    });
    document.getElementById("fit").addEventListener("click", () => cy.fit(cy.elements(":visible"), 20));
    document.getElementById("top").addEventListener("click", fitMap);
    document.getElementById("replay-play").addEventListener("click", replayStart);
    document.getElementById("replay-stop").addEventListener("click", replayStop);
    for (const tab of document.querySelectorAll("[data-tab]")) {
      tab.addEventListener("click", () => {
        for (const other of document.querySelectorAll("[data-tab]")) other.classList.toggle("on", other === tab);
        for (const pane of document.querySelectorAll(".pane")) pane.hidden = pane.id !== tab.dataset.tab;
        if (tab.dataset.tab === "pane-dotted") drawDotted();
        if (tab.dataset.tab === "pane-map") cy.resize();
      });
    }
  }

  // ---------------------------------------------------------------- comparison
  // the comparison's headlines, sides and edges table, as o2c compare wrote them (compare.json)
  function buildComparison() {
    const box = document.getElementById("comparison");
    box.hidden = false;
    box.replaceChildren(
      el("h2", {}, "What changed: " + CMP.b + " (B) against " + CMP.a + " (A)"),
      el("p", { class: "caption" }, formatCount(CMP.orders[0]) + " orders in " + CMP.a + ", " + formatCount(CMP.orders[1]) + " in " + CMP.b
        + "; an order belongs to a side by its first event. A change: Benjamini-Hochberg adjusted p-value under " + CMP.alpha + ". " + CMP.calendar),
      el("ul", { id: "headlines" }, ...CMP.headlines.map((h) => el("li", {}, h))));
    const side = document.getElementById("filter-side");
    side.replaceChildren(el("option", { value: "" }, "both sides"), el("option", { value: "a" }, "A: " + CMP.a), el("option", { value: "b" }, "B: " + CMP.b));
    document.getElementById("filter-side-label").hidden = false;
    const legend = document.getElementById("compare-legend");
    legend.replaceChildren("Change in median wait, " + CMP.b + " against " + CMP.a + ": ",
      el("span", { class: "swatch", style: "background:" + CMP.slower }), "longer",
      el("span", { class: "swatch", style: "background:" + CMP.faster }), "shorter",
      el("span", { class: "swatch", style: "background:#BBBBBB" }), "no significant change");
    const columns = [
      ["source", "From"], ["target", "To"], ["orders_a", "Orders A"], ["orders_b", "Orders B"], ["share_a", "Share A"], ["share_b", "Share B"],
      ["wait_median_a_s", "Median wait A"], ["wait_median_b_s", "Median wait B"], ["wait_median_diff_s", "Change"], ["ci_low_s", "CI low"],
      ["ci_high_s", "CI high"], ["p_adjusted", "p adjusted"], ["changed", "Wait changed"], ["share_p_adjusted", "Share p adjusted"], ["share_changed", "Share changed"],
    ];
    const shown = (column, v) => {
      if (v === null || v === undefined) return "";
      if (column.endsWith("_s")) return (column === "wait_median_diff_s" && v > 0 ? "+" : "") + formatDuration(v);
      if (column.startsWith("share_") && !column.includes("p_")) return (100 * v).toFixed(1) + "%";
      if (column.includes("p_adjusted")) return v.toPrecision(2);
      if (typeof v === "boolean") return v ? "yes" : "";
      if (typeof v === "number") return formatCount(v);
      return String(v);
    };
    const head = el("tr", {}, ...columns.map(([, title]) => el("th", {}, title)));
    const body = CMP.edges.map((r) => {
      const mark = COLOURED.get(key(r.source, r.target));
      return el("tr", { class: r.changed ? "changed" : "" }, ...columns.map(([column]) => el("td", { class: typeof r[column] === "number" ? "num" : "" },
        column === "source" && mark ? el("span", { class: "swatch", style: "background:" + mark.colour }) : null, shown(column, r[column]))));
    });
    const table = document.getElementById("comparison-edges");
    table.hidden = false;
    table.replaceChildren(el("h2", {}, "Edges compared"),
      el("p", { class: "caption" }, "Every directly-follows edge of either side, as o2c.compare's edges table (changes first). Waits: medians over transitions, the change B minus A with its " + (100 * (1 - CMP.alpha)).toFixed(0) + "% bootstrap interval."),
      el("div", { class: "table-box" }, el("table", { id: "comparison-table" }, el("thead", {}, head), el("tbody", {}, ...body))));
  }

  // ---------------------------------------------------------------- start
  const began = performance.now();
  window.cytoscape.use(window.cytoscapeDagre);
  buildControls();
  buildGraph();
  state.stats = computeStats();
  redraw();
  fitMap();
  renderDrill();
  const firstDraw = performance.now() - began;

  window.o2cExplorer = {
    setSliders,
    setMeasure,
    visibleEdges,
    ordersThrough: (source, target) => ordersThroughIndexes(source, target === undefined ? null : target).map((r) => CS.id[r.c]),
    timeline: (orderId) => timelineRows(orderId),
    setFilter,
    select: (source, target) => select({ source, target: target === undefined ? null : target }),
    showTimeline,
    state: () => ({ activities: state.activities, paths: state.paths, measure: state.measure, filter: state.filter, orders: state.stats.nCases }),
    comparison: () => (CMP ? CMP.edges.map((r) => Object.assign({}, r)) : null),
    coloured,
    measures: MEASURES.slice(),
    highlights: MARKED.map(([source, target, role]) => ({ source, target, role })),
    firstDrawMs: firstDraw,
    drawnAt: performance.now(), // ms since navigation began: the first map is drawn
    _processing: () => [...state.stats.processing], // [activity, median processing seconds] (tests)
    // centre the map on an activity or edge; where it is then drawn, in page pixels (for a click)
    reveal: (source, target) => {
      const element = target === undefined || target === null ? cy.getElementById(source) : cy.getElementById("e" + key(source, target));
      if (!element.length || element.hasClass("hidden")) return null;
      cy.center(element);
      const box = document.getElementById("map").getBoundingClientRect();
      const p = element.isNode() ? element.renderedPosition() : element.renderedMidpoint();
      return { x: box.left + p.x, y: box.top + p.y };
    },
    ready: true,
  };
})();
