// labkit course map (anywidget ES module): every notebook's exercises, done or not; "refresh" re-reads progress.
import { h, say } from "./dom.js";

function render({ model, el }) {
  const root = h("div", { class: "lk-map" });
  el.append(root);
  const draw = () => {
    const rows = model.get("rows") || [];
    const done = rows.filter((r) => r.done === "✓").length;
    const head = h("div", { class: "lk-map-head" },
      h("b", { text: say(model, "Course map: {} of {} exercises done", done, rows.length) }),
      h("button", { class: "lk-map-refresh", text: say(model, "refresh"), onclick: () => model.send({ type: "refresh" }) }));
    const table = h("table", { class: "lk-map-table" },
      h("tr", {}, ...["notebook", "exercise", "what", "done", "hints", "solution"].map((t) => h("th", { text: say(model, t) }))));
    for (const r of rows) {
      table.append(h("tr", { class: r.done === "✓" ? "lk-map-done" : "" },
        ...[r.notebook, r.exercise, r.what, r.done, r.hints, r.solution].map((t) => h("td", { text: String(t) }))));
    }
    root.replaceChildren(head, table);
  };
  draw();
  model.on("change:rows", draw);
  model.on("change:labels", draw);
}

export default { render };
