// Shared by labkit's widgets: build DOM elements without innerHTML (names never become HTML).
// Each widget imports it; Python inlines it into the widget's module (anywidget loads one file).

export function h(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v; // textContent only: names never become HTML
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

// A piece of UI text in the notebook's language: the widget's `labels` trait maps the English text (with {} holes)
// to its translation (widgets/_labels.py); without one the English text shows.
export function say(model, text, ...values) {
  let i = 0;
  const shown = (model.get("labels") || {})[text] || text;
  return shown.replace(/\{(\d*)\}/g, (_, n) => String(values[n === "" ? i++ : Number(n)]));
}
