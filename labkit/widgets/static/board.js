// labkit swarm board (anywidget ES module). Python sends `swarm` (nodes, services, task cards)
// only when the swarm changes and `status` every tick; clicks go back as custom messages.
// Elements are reused by key so cards do not flicker and a slider being dragged is not reset.

import { h, say } from "./dom.js";

// Make parent's children match items, reusing elements with the same key.
function reconcile(parent, items, key, create, update) {
  const old = new Map();
  for (const c of parent.children) old.set(c.dataset.key, c);
  items.forEach((item, i) => {
    const k = String(key(item));
    let node = old.get(k);
    if (node) old.delete(k);
    else { node = create(item); node.dataset.key = k; }
    update(node, item);
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  for (const n of old.values()) n.remove();
}

const DOWN_FIX = { killed: "start", stopped: "start", paused: "unpause", disconnected: "reconnect" };
const ACTION_TITLE = {
  kill: "docker kill the node's container (a crash)", stop: "docker stop the node's container",
  start: "start the node's container again", pause: "freeze every process of the node",
  unpause: "resume the node", disconnect: "cut the node off the lab network",
  reconnect: "put the node back on the lab network", drain: "move its tasks away (availability drain)",
  activate: "accept tasks again (availability active)", promote: "make it a manager", demote: "make it a worker",
};

function nodeActions(n) {
  const acts = n.fault ? [DOWN_FIX[n.fault] || "start"] : ["kill", "stop", "pause", "disconnect"];
  // Availability: active -> drain; drained -> activate; paused (keeps its tasks, takes no new ones) -> either.
  if (n.availability === "active") acts.push("drain");
  else if (n.availability === "drain") acts.push("activate");
  else acts.push("drain", "activate");
  acts.push(n.role === "manager" ? "demote" : "promote");
  return acts;
}

function render({ model, el }) {
  el.classList.add("lk-board");
  const send = (action, target, value = null) => model.send({ type: "action", action, target, value });
  const title = h("span", { class: "lk-title" });
  const clock = h("span", { class: "lk-clock" });
  const histBox = h("input", { type: "checkbox", class: "lk-history" });
  const filter = h("select", { class: "lk-filter", title: say(model, "show one service") });
  const banner = h("div", { class: "lk-banner" });
  const services = h("div", { class: "lk-services" });
  const nodes = h("div", { class: "lk-nodes" });
  const log = h("div", { class: "lk-log" });
  el.replaceChildren(
    h("div", { class: "lk-head" }, title, clock,
      h("label", { title: say(model, "also show shutdown, failed and completed tasks") }, histBox, say(model, "history")),
      filter),
    banner, services, nodes, log);
  histBox.addEventListener("change", () => { model.set("history", histBox.checked); model.save_changes(); });
  filter.addEventListener("change", () => { model.set("service_filter", filter.value); model.save_changes(); });

  function pendingTargets() {
    return new Set((model.get("log") || []).filter((e) => e.status === "running").map((e) => e.target));
  }

  function button(action, target, danger) {
    const b = h("button", { class: danger ? "lk-danger" : "", title: say(model, ACTION_TITLE[action] || action),
      dataset: { action, target }, text: action });
    b.addEventListener("click", () => {
      if (action === "remove" && !b.classList.contains("lk-confirm")) {
        b.classList.add("lk-confirm"); b.textContent = say(model, "sure?"); // removing a service needs a second click
        setTimeout(() => { b.classList.remove("lk-confirm"); b.textContent = action; }, 3000);
        return;
      }
      b.disabled = true;
      send(action, target);
    });
    return b;
  }

  function drawServices(sw, pending) {
    reconcile(services, sw.services || [], (s) => s.name, (s) => {
      const slider = h("input", { type: "range", min: "0", class: "lk-slider", dataset: { service: s.name } });
      const want = h("span", { class: "lk-want" });
      slider.addEventListener("input", () => { slider.dataset.dragging = "1"; want.textContent = slider.value; });
      slider.addEventListener("change", () => { delete slider.dataset.dragging; send("scale", s.name, Number(slider.value)); });
      return h("div", { class: "lk-svc", dataset: { service: s.name } },
        h("span", { class: "lk-svc-name" }), h("span", { class: "lk-svc-mode" }), h("span", { class: "lk-svc-count" }),
        h("span", { class: "lk-svc-ports" }), h("span", { class: "lk-svc-update" }),
        h("span", { class: "lk-svc-ctl" }, h("span", { text: say(model, "scale") }), slider, want, button("remove", s.name, true)));
    }, (row, s) => {
      row.style.setProperty("--lk-c", `var(--lk-svc-${s.color})`);
      row.querySelector(".lk-svc-name").textContent = s.name;
      row.querySelector(".lk-svc-mode").textContent = `${s.mode} · ${s.image}`;
      const count = row.querySelector(".lk-svc-count");
      count.textContent = say(model, "{}/{} running", s.running, s.desired);
      count.className = "lk-svc-count " + (s.running < s.desired ? "lk-short" : "lk-full");
      row.querySelector(".lk-svc-ports").textContent =
        s.ports.length ? say(model, "ports {}", s.ports.join(", ")) : say(model, "no published ports");
      row.querySelector(".lk-svc-update").textContent = s.update ? say(model, "update {}", s.update) : "";
      const ctl = row.querySelector(".lk-svc-ctl"), slider = row.querySelector(".lk-slider");
      ctl.style.display = s.scalable ? "" : "none";
      if (!slider.dataset.dragging && document.activeElement !== slider) {
        slider.max = String(Math.min(100, Math.max(10, (s.replicas || 0) * 2)));
        slider.value = String(s.replicas || 0);
        row.querySelector(".lk-want").textContent = String(s.replicas || 0);
      }
      slider.disabled = pending.has(s.name);
    });
  }

  function drawNode(col, n, cards, pending) {
    col.className = "lk-node" + (n.down ? " lk-down" : "") + (n.state === "unknown" ? " lk-unknown" : "") +
      ` lk-avail-${n.availability}` + (n.unassigned ? " lk-unassigned" : "");
    col.dataset.node = n.hostname; col.dataset.state = n.state; col.dataset.fault = n.fault || "";
    col.dataset.availability = n.availability || ""; col.dataset.role = n.role || "";
    col.querySelector(".lk-name-text").textContent = n.hostname;
    col.title = n.unassigned ? say(model, "tasks the scheduler could not place on any node yet") : `${n.addr || ""} ${n.message || ""}`.trim();
    const badges = [];
    if (!n.unassigned) {
      if (n.leader) badges.push([say(model, "★ leader"), "lk-leader"]);
      badges.push([n.role, `lk-${n.role}`]);
      if (n.role === "manager" && n.reachability && n.reachability !== "reachable") badges.push([n.reachability, "lk-unreachable"]);
      if (n.availability !== "active") badges.push([n.availability, `lk-${n.availability}`]);
      badges.push([n.state, n.state === "ready" ? "" : "lk-state-down"]);
      if (n.fault) badges.push([n.fault, "lk-fault"]);
    }
    col.querySelector(".lk-badges").replaceChildren(...badges.map(([t, c]) => h("span", { class: `lk-badge ${c}`, text: t })));
    const acts = n.unassigned ? [] : nodeActions(n);
    reconcile(col.querySelector(".lk-actions"), acts, (a) => a,
      (a) => button(a, n.hostname, a === "kill"), (b) => { b.disabled = pending.has(n.hostname); });
    const list = col.querySelector(".lk-tasks");
    reconcile(list, cards, (t) => t.id, () => h("div", { class: "lk-task" },
      h("span", { class: "lk-task-label" }), h("span", { class: "lk-task-state" })), (card, t) => {
      card.className = `lk-task lk-s-${t.state}` + (t.current ? "" : " lk-old") + (t.mark ? ` lk-${t.mark}` : "") +
        (t.stranded ? " lk-stranded" : "");
      card.style.setProperty("--lk-c", `var(--lk-svc-${t.color})`);
      Object.assign(card.dataset, { label: t.label, state: t.state, service: t.service, mark: t.mark || "" });
      card.querySelector(".lk-task-label").textContent = t.label;
      card.querySelector(".lk-task-state").textContent = t.state === t.desired || t.current ? t.state : `${t.state}→${t.desired}`;
      card.title = say(model, "{} on {}: {} (desired {})", t.label, t.node || say(model, "no node"), t.state, t.desired) +
        (t.stranded ? say(model, "\nthe node is gone but the swarm has not noticed yet") : "") +
        (t.detail ? `\n${t.detail}` : "") + (t.image ? say(model, "\nimage {}", t.image) : "");
    });
    if (!cards.length && !list.children.length) list.append(h("div", { class: "lk-empty", text: say(model, "no tasks"), dataset: { key: "-" } }));
  }

  function drawNodes(sw, pending) {
    const hist = model.get("history"), only = model.get("service_filter");
    const visible = (sw.tasks || []).filter((t) => (hist || t.current || t.mark === "leaving") && (!only || t.service === only));
    const byNode = new Map();
    for (const t of visible) { if (!byNode.has(t.node)) byNode.set(t.node, []); byNode.get(t.node).push(t); }
    const cols = [...(sw.nodes || [])];
    if (byNode.has("")) cols.push({ hostname: say(model, "(no node)"), id: "", unassigned: true, availability: "", state: "pending" });
    el.classList.toggle("lk-dense", visible.length > 40 || cols.length > 6);
    reconcile(nodes, cols, (n) => n.id || "unassigned", () => h("div", { class: "lk-node" },
      h("div", { class: "lk-node-head" }, h("div", { class: "lk-node-name" }, h("span", { class: "lk-dot" }),
        h("span", { class: "lk-name-text" })), h("div", { class: "lk-badges" }), h("div", { class: "lk-actions" })),
      h("div", { class: "lk-tasks" })), (col, n) => drawNode(col, n, byNode.get(n.unassigned ? "" : n.hostname) || [], pending));
    if (!cols.length) nodes.replaceChildren(h("div", { class: "lk-empty", text: say(model, "no nodes to show"), dataset: { key: "-" } }));
  }

  function drawSwarm() {
    const sw = model.get("swarm") || {};
    const names = (sw.services || []).map((s) => s.name), only = model.get("service_filter");
    reconcile(filter, ["", ...names], (n) => n, (n) => h("option", { value: n, text: n || say(model, "all services") }), () => {});
    filter.value = names.includes(only) ? only : "";
    histBox.checked = !!model.get("history");
    el.classList.toggle("lk-nocontrols", !model.get("controls"));
    const pending = pendingTargets();
    drawServices(sw, pending);
    drawNodes(sw, pending);
  }

  function drawStatus() {
    const st = model.get("status") || {};
    title.textContent = say(model, "swarm of lab {}", model.get("lab_name"));
    clock.textContent = st.time ? st.time + (st.manager ? say(model, " · read from {}", st.manager) : "") : "";
    if (st.waiting) clock.textContent += say(model, " · no answer from the managers for {} s…", st.waiting);
    clock.classList.toggle("lk-waiting", !!st.waiting);
    let text = "";
    if (st.stopped) text = say(model, "Lab stopped: this board no longer updates.");
    else if (st.error) {
      text = `${say(model, st.quorum === false ? "No quorum" : "No manager answered")}: ${st.error}`;
      if (st.stale) text += say(model, " (showing the swarm as of {})", st.stale_since);
    }
    banner.textContent = text;
    banner.className = "lk-banner" + (text ? " lk-show" : "") + (st.stopped ? " lk-stopped" : "");
    el.classList.toggle("lk-stale", !!(st.stale || st.stopped));
  }

  function drawLog() {
    const entries = (model.get("log") || []).slice(-6).reverse(); // newest first
    reconcile(log, entries, (e) => e.id, () => h("div", { class: "lk-log-entry" }), (row, e) => {
      row.dataset.status = e.status; row.dataset.action = e.action; row.dataset.target = e.target;
      const prompt = e.where === "host" ? "host$ " : e.where === "manager" ? `${e.ran_on || "manager"}$ ` : "";
      const mark = { ok: "✓ done", error: "✗ failed", running: "… running" }[e.status] || e.status;
      const kids = [h("span", { class: "lk-log-time", text: e.time }),
        h("span", { class: "lk-log-cmd" }, h("code", { text: prompt + e.command })),
        h("span", { class: "lk-log-status", text: mark + (e.seconds != null ? ` ${e.seconds}s` : "") })];
      if (e.note) kids.push(h("span", { class: "lk-log-note", text: `# ${e.note}` }));
      if (e.output) kids.push(h("pre", { class: "lk-log-out", text: e.output }));
      row.replaceChildren(...kids);
    });
    drawSwarm(); // buttons re-enable when their action finished
  }

  const listeners = [["change:swarm", drawSwarm], ["change:history", drawSwarm], ["change:service_filter", drawSwarm],
    ["change:controls", drawSwarm], ["change:status", drawStatus], ["change:log", drawLog]];
  for (const [ev, fn] of listeners) model.on(ev, fn);
  drawStatus(); drawLog();
  return () => { for (const [ev, fn] of listeners) model.off(ev, fn); };
}

export default { render };
