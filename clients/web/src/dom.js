// Building the page from code: h() makes elements, never from HTML strings (no innerHTML
// with data), so nothing a user typed can become markup, and no inline style or script
// is needed under the Content-Security-Policy.

export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(attrs || {})) {
		if (value === undefined || value === null || value === false) continue;
		if (key.startsWith("on") && typeof value === "function") {
			el.addEventListener(key.slice(2).toLowerCase(), value);
		} else if (key === "class") {
			el.className = value;
		} else if (key === "dataset") {
			Object.assign(el.dataset, value);
		} else if (key === "value") {
			el.value = value;
		} else if (key === "checked" || key === "disabled" || key === "selected") {
			el[key] = Boolean(value);
		} else {
			el.setAttribute(key, value === true ? "" : String(value));
		}
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const child of children) {
		if (child === null || child === undefined || child === false) continue;
		if (Array.isArray(child)) append(el, child);
		else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
	}
}

// Replace el's content with children (null, false and undefined are left out, unlike the
// DOM's own append, which would write "null").
export function fill(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

export function clear(el) {
	while (el.firstChild) el.removeChild(el.firstChild);
	return el;
}

// A page of one narrow card (logging in, choosing a password) into main: a heading, a lead
// paragraph (intro: its text, or the attributes of the <p> with its text as `text`) and the
// card's form, built by the view with the class "login-form".
export function cardPage(main, title, intro, form) {
	const { text, ...attrs } = typeof intro === "string" ? { text: intro } : intro;
	return fill(main, h("div", { class: "login-page" }, h("section", { class: "card login-card" }, h("h1", {}, title), h("p", { class: "lead", ...attrs }, text), form)));
}

let fieldSeq = 0;

// A labelled form field: label, control and an optional hint, tied by id.
export function field(label, control, hint) {
	const id = control.id || `f${++fieldSeq}`;
	control.id = id;
	const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
	if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
	return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

export function select(name, options, value, attrs = {}) {
	return h(
		"select",
		{ name, ...attrs },
		options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
	);
}

// A table from rows; columns are [header, cell(row) -> node or text]. Each cell carries its
// column's header as data-label: on a phone the rows become cards that name every cell
// (style.css), so no column is out of reach.
export function table(columns, rows, opts = {}) {
	return h(
		"table",
		{ class: "data " + (opts.class || "") },
		opts.caption ? h("caption", {}, opts.caption) : null,
		h("thead", {}, h("tr", {}, columns.map(([head]) => h("th", { scope: "col" }, head)))),
		h(
			"tbody",
			{},
			rows.map((row) =>
				h(
					"tr",
					opts.rowAttrs ? opts.rowAttrs(row) : {},
					columns.map(([head, cell]) => h("td", { dataset: { label: head } }, cell(row))),
				),
			),
		),
	);
}

export function badge(text, kind) {
	return h("span", { class: `badge badge-${kind}` }, text);
}

// Today (or today + days) as YYYY-MM-DD in the user's time zone, for date inputs.
export function isoDay(days = 0) {
	const d = new Date();
	d.setDate(d.getDate() + days);
	const pad = (n) => String(n).padStart(2, "0");
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Now as a datetime-local value (YYYY-MM-DDTHH:MM, local time).
export function localNow() {
	const d = new Date();
	const pad = (n) => String(n).padStart(2, "0");
	return `${isoDay()}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// A datetime-local value as RFC 3339 (the browser knows the zone), or null when empty.
export function fromLocal(value) {
	if (!value) return null;
	const d = new Date(value);
	return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function fmtDate(iso, withTime = false) {
	if (!iso) return "–";
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	const lang = document.documentElement.lang === "en" ? "en-GB" : "de-DE";
	return withTime
		? d.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" })
		: d.toLocaleDateString(lang, { dateStyle: "medium" });
}

// Hand text (or a Blob) to the browser as a file download.
export function download(filename, text, type = "text/csv") {
	const url = URL.createObjectURL(text instanceof Blob ? text : new Blob([text], { type }));
	const a = h("a", { href: url, download: filename });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}
