// labkit traffic panel (anywidget ES module): a bar per task that answered, a red bar per failure reason.

import { h, say } from "./dom.js";

function bar(label, count, max, kind) {
  const pct = max ? Math.max(2, Math.round((100 * count) / max)) : 0;
  return h("div", { class: `lk-bar lk-${kind}`, dataset: { label, count: String(count) } },
    h("span", { class: "lk-bar-label", text: label, title: label }),
    h("span", { class: "lk-bar-track" }, h("span", { class: "lk-bar-fill", style: `width:${pct}%` })),
    h("span", { class: "lk-bar-count", text: String(count) }));
}

function render({ model, el }) {
  el.classList.add("lk-traffic");
  const title = h("div", { class: "lk-tr-title" });
  const notice = h("div", { class: "lk-tr-notice" });
  const count = h("input", { type: "number", min: "1", max: "1000", class: "lk-tr-count" });
  const via = h("select", { class: "lk-tr-via" });
  const go = h("button", { class: "lk-tr-send", text: say(model, "send requests") });
  const summary = h("div", { class: "lk-tr-summary" });
  const chart = h("div", { class: "lk-tr-chart" });
  const error = h("div", { class: "lk-tr-error" });
  el.replaceChildren(title, notice,
    h("div", { class: "lk-tr-controls" }, count, h("span", { text: say(model, "requests through") }), via, go),
    error, summary, chart);

  // Read both inputs before setting either: a set fires change events that redraw the inputs.
  const chosen = () => ({ n: Math.max(1, Number(count.value) || 30), v: via.value });
  const sync = () => { const { n, v } = chosen(); model.set("count", n); model.set("via", v); model.save_changes(); };
  count.addEventListener("change", sync);
  via.addEventListener("change", sync);
  go.addEventListener("click", () => {
    const { n, v } = chosen();
    sync();
    go.disabled = true;
    model.send({ type: "send", count: n, via: v });
  });

  function draw() {
    const svc = model.get("service"), port = model.get("port"), mode = model.get("mode");
    title.textContent = say(model, "traffic to {} on port {}", svc, port) + (mode ? say(model, " (published mode={})", mode) : "");
    notice.textContent = model.get("notice");
    notice.style.display = model.get("notice") ? "" : "none";
    error.textContent = model.get("error");
    error.style.display = model.get("error") ? "" : "none";
    if (document.activeElement !== count) count.value = String(model.get("count"));
    const opts = ["all", ...(model.get("nodes") || [])];
    if (via.options.length !== opts.length) {
      via.replaceChildren(...opts.map((o) => h("option", { value: o, text: o === "all" ? say(model, "all nodes (spread)") : o })));
    }
    via.value = model.get("via");
    const running = model.get("running");
    go.disabled = running;
    go.textContent = say(model, running ? "sending…" : "send requests");
    el.classList.toggle("lk-busy", running);
    const r = model.get("result") || {};
    if (!r.total) { summary.textContent = running ? "" : say(model, "no requests sent yet"); chart.replaceChildren(); return; }
    const targets = (model.get("targets") || []).join(", ");
    summary.textContent = say(model, "{} requests through {}: {} answered by {} task(s), {} failed, in {} s",
      r.total, targets || "?", r.ok, r.bars.length, r.failed, r.seconds);
    const max = Math.max(1, ...r.bars.map((b) => b.count), ...r.failures.map((b) => b.count));
    chart.replaceChildren(...r.bars.map((b) => bar(b.label, b.count, max, "ok")),
      ...r.failures.map((b) => bar(b.label, b.count, max, "fail")));
  }

  const names = ["service", "port", "mode", "notice", "error", "count", "via", "nodes", "running", "result", "targets"];
  for (const n of names) model.on(`change:${n}`, draw);
  draw();
  return () => { for (const n of names) model.off(`change:${n}`, draw); };
}

export default { render };
