// labkit event timeline (anywidget ES module): newest at the bottom, auto-scroll unless the reader scrolled up.

import { h, say } from "./dom.js";

const KINDS = ["node", "leader", "task", "service", "action", "traffic", "quorum", "lab"];

function render({ model, el }) {
  el.classList.add("lk-timeline");
  const hidden = new Set(); // kinds the reader switched off in this view
  const chips = h("div", { class: "lk-tl-kinds" });
  const list = h("div", { class: "lk-tl-list" });
  el.replaceChildren(h("div", { class: "lk-tl-head" }, h("span", { class: "lk-tl-title" }), chips), list);

  function drawChips() {
    chips.replaceChildren(...KINDS.map((k) => {
      const c = h("button", { class: "lk-tl-chip" + (hidden.has(k) ? " lk-off" : ""), text: say(model, k), dataset: { kind: k } });
      c.addEventListener("click", () => { hidden.has(k) ? hidden.delete(k) : hidden.add(k); drawChips(); draw(); });
      return c;
    }));
  }

  function draw() {
    el.querySelector(".lk-tl-title").textContent = say(model, "timeline of lab {}", model.get("lab_name"));
    list.style.maxHeight = model.get("height");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
    const only = new Set(model.get("kinds") || []);
    const events = (model.get("events") || []).filter((e) => (!only.size || only.has(e.kind)) && !hidden.has(e.kind));
    list.replaceChildren(...events.map((e) => h("div", { class: `lk-tl-ev lk-${e.level}`, dataset: { kind: e.kind } },
      h("span", { class: "lk-tl-time", text: e.time }), h("span", { class: "lk-tl-kind", text: say(model, e.kind) }),
      h("span", { class: "lk-tl-text", text: e.text }))));
    if (!events.length) list.append(h("div", { class: "lk-tl-empty", text: say(model, "nothing happened yet") }));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  const names = ["events", "kinds", "height", "lab_name"];
  for (const n of names) model.on(`change:${n}`, draw);
  drawChips(); draw();
  list.scrollTop = list.scrollHeight;
  return () => { for (const n of names) model.off(`change:${n}`, draw); };
}

export default { render };
