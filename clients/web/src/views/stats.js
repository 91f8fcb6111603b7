// Statistics for coordinators: the network map (cytoscape), the funnel per chain (chart.js)
// and how well members keep their agreed days to accept, each for a chosen period, with a
// table and a CSV download from the API in the form German spreadsheets open.
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip } from "chart.js";
import * as api from "../api.js";
import { h, fill, field, select, table, badge, fmtDate } from "../dom.js";
import { t, lang } from "../i18n.js";
import { announce, errorText, navigate } from "../main.js";
import { drawNetwork, KIND_COLOURS } from "../graph.js";
import { myNetwork, kindLabel, csvDownload, noNetwork } from "./network.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

// The router's 404 for a path it does not know: the statistics are not on this server yet.
function notThere(e) {
	return e && e.status === 404 && /nothing at/i.test(e.problem?.detail || "");
}

// The period of the statistics pages, kept in the address (?from=&to=, dates, both
// inclusive) so that it stays while moving between the three pages.
export function period() {
	const q = new URLSearchParams(location.search);
	const date = (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v || "") ? v : "");
	return { from: date(q.get("from")), to: date(q.get("to")) };
}

// The day after a YYYY-MM-DD date: the API's until is exclusive.
export function dayAfter(d) {
	const [y, m, day] = d.split("-").map(Number);
	const next = new Date(Date.UTC(y, m - 1, day + 1));
	return next.toISOString().slice(0, 10);
}

// The API's query for the period (and more parameters), e.g. "?since=2025-01-01&until=2025-07-01".
function periodQuery(p, more = {}) {
	return api.qs({ since: p.from, until: p.to ? dayAfter(p.to) : "", ...more });
}

// The address of a statistics page with the period (and more parameters).
function pageUrl(path, p, more = {}) {
	return path + api.qs({ ...more, from: p.from, to: p.to });
}

// The CSV of a report as German spreadsheets open it, headers in the app's language.
function exportQuery(p) {
	return periodQuery(p, { format: "excel", lang });
}

const TABS = [
	["/map", "nav_map"],
	["/funnel", "tab_funnel"],
	["/agreements", "nav_agreements"],
	["/report", "tab_report"],
];

// The tabs between the statistics pages and the period chooser; choosing a period goes to
// the same page with it. shown: the period the page shows when it is not the address's (the
// report's default quarter).
export function statsHead(path, titleKey, introKey, actions, shown) {
	const p = shown || period();
	const from = h("input", { type: "date", name: "from", id: "period-from", value: p.from });
	const to = h("input", { type: "date", name: "to", id: "period-to", value: p.to });
	const error = h("div", { class: "form-error", role: "alert" });
	const keep = Object.fromEntries([...new URLSearchParams(location.search)].filter(([k]) => k !== "from" && k !== "to"));
	const form = h(
		"form",
		{
			class: "period-form",
			id: "period-form",
			onsubmit: (e) => {
				e.preventDefault();
				if (from.value && to.value && from.value > to.value) {
					error.textContent = t("period_reversed");
					return;
				}
				navigate(pageUrl(path, { from: from.value, to: to.value }, keep));
			},
		},
		field(t("period_from"), from),
		field(t("period_to"), to),
		h("button", { class: "btn btn-primary", type: "submit", id: "period-apply" }, t("period_apply")),
		p.from || p.to ? h("a", { class: "btn", href: pageUrl(path, { from: "", to: "" }, keep), "data-link": true, id: "period-reset" }, t("period_all")) : null,
		error,
	);
	return [
		h(
			"nav",
			{ class: "tabs", "aria-label": t("stats_tabs") },
			TABS.map(([href, key]) => h("a", { href: pageUrl(href, p), "data-link": true, class: "tab", "aria-current": href === path ? "page" : null }, t(key))),
		),
		h(
			"div",
			{ class: "page-head" },
			h(
				"div",
				{},
				h("h1", {}, t(titleKey)),
				h("p", { class: "lead" }, t(introKey)),
				h("p", { class: "period-shown", id: "period-shown" }, periodText(p)),
			),
			actions,
		),
		h("section", { class: "card period-card" }, form),
	];
}

function periodText(p) {
	if (p.from && p.to) return t("period_between", { from: fmtDate(p.from), to: fmtDate(p.to) });
	if (p.from) return t("period_since", { from: fmtDate(p.from) });
	if (p.to) return t("period_until", { to: fmtDate(p.to) });
	return t("period_everything");
}

const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)} %`);
const num = (v) =>
	v === null || v === undefined ? "–" : (Math.round(v * 10) / 10).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "de-DE");

export async function mapView(main) {
	const network = await myNetwork();
	if (!network) return noNetwork(main);
	const p = period();
	const members = await api.all(`/v1/networks/${network.id}/members?active=true`);
	let flows = [];
	let missing = false;
	try {
		flows = (await api.get(`/v1/networks/${network.id}/stats/flows${periodQuery(p)}`)).nodes || [];
	} catch (e) {
		if (notThere(e)) missing = true;
		else throw e;
	}
	const nodes = members.map((m) => ({ id: m.node_id, name: m.node?.name || m.node_id, kind: m.node?.kind || "other" }));
	const canvas = h("div", { class: "graph graph-map", id: "network-graph", "aria-hidden": "true" });
	const kinds = [...new Set(nodes.map((n) => n.kind))];
	fill(main,
		...statsHead(
			"/map",
			"map_title",
			"map_intro",
			missing
				? null
				: h(
					"button",
					{
						class: "btn",
						type: "button",
						id: "flows-csv",
						onclick: () =>
							csvDownload(`/v1/networks/${network.id}/stats/flows${exportQuery(p)}`, t("flows_filename")).catch((e) => announce(errorText(e), "error")),
					},
					t("csv"),
				),
		),
		missing ? h("p", { class: "notice notice-warn", id: "stats-missing" }, t("map_no_stats")) : null,
		h(
			"section",
			{ class: "card" },
			canvas,
			h(
				"div",
				{ class: "legend", "aria-label": t("map_legend") },
				kinds.map((k) => h("span", { class: "legend-item" }, h("span", { class: `swatch kind-${k}`, "aria-hidden": "true" }), kindLabel(k))),
				h("span", { class: "legend-item" }, h("span", { class: "swatch-line rate-low", "aria-hidden": "true" }), h("span", { class: "swatch-line rate-high", "aria-hidden": "true" }), t("map_rate")),
			),
		),
		h(
			"section",
			{ class: "card card-flush", "aria-labelledby": "flows-h" },
			h("h2", { id: "flows-h", class: "card-title" }, t("map_referred")),
			flows.length
				? table(
					[
						[t("col_from"), (f) => f.from_name],
						[t("col_to"), (f) => f.to_name],
						[t("col_referred"), (f) => String(f.referred)],
						[t("col_accepted"), (f) => String(f.accepted)],
						[t("col_declined"), (f) => String(f.declined)],
						[t("map_rate"), (f) => pct(f.acceptance_rate)],
						[t("col_median_accept"), (f) => num(f.median_days_to_accept)],
					],
					flows,
					{ class: "numeric", rowAttrs: (f) => ({ dataset: { from: f.from_node_id, to: f.to_node_id } }) },
				)
				: h("p", { class: "empty" }, "–"),
		),
	);
	let cy = null;
	requestAnimationFrame(() => {
		if (canvas.isConnected) cy = drawNetwork(canvas, nodes, flows);
	});
	return { destroy: () => cy && cy.destroy() };
}

export async function funnelView(main) {
	const network = await myNetwork();
	if (!network) return noNetwork(main);
	const p = period();
	const chains = (await api.all(`/v1/networks/${network.id}/chains`)).filter((c) => c.current_version);
	const params = new URLSearchParams(location.search);
	let chainId = chains.some((c) => c.id === params.get("chain")) ? params.get("chain") : chains[0]?.id;
	let chart = null;
	const chooser = select("chain", chains.map((c) => [c.id, c.name]), chainId, { id: "funnel-chain" });
	const body = h("div", { id: "funnel-body", "aria-live": "polite" });
	chooser.addEventListener("change", () => {
		chainId = chooser.value;
		history.replaceState(null, "", pageUrl("/funnel", p, { chain: chainId }));
		load();
	});

	async function load() {
		if (chart) chart.destroy();
		chart = null;
		if (!chainId) return fill(body, h("p", { class: "empty" }, "–"));
		let steps;
		try {
			steps = (await api.get(`/v1/chains/${chainId}/stats/funnel${periodQuery(p)}`)).steps || [];
		} catch (e) {
			if (notThere(e)) return fill(body, h("p", { class: "notice notice-warn", id: "stats-missing" }, t("map_no_stats")));
			return fill(body, h("div", { class: "notice notice-error", role: "alert" }, errorText(e)));
		}
		const canvasEl = h("canvas", { id: "funnel-chart", role: "img", "aria-label": t("funnel_title") });
		fill(body,
			h("section", { class: "card" }, h("div", { class: "chart-box" }, canvasEl)),
			h(
				"section",
				{ class: "card card-flush" },
				table(
					[
						[t("col_step"), (s) => s.name],
						[t("col_referred"), (s) => String(s.referred)],
						[t("col_accepted"), (s) => String(s.accepted)],
						[t("col_started"), (s) => String(s.started)],
						[t("col_completed"), (s) => String(s.completed)],
						[t("col_declined"), (s) => String(s.declined)],
						[t("col_dropped"), (s) => String(s.dropped_out)],
						[t("col_overdue_now"), (s) => String(s.overdue_now)],
						[t("col_median_accept"), (s) => num(s.median_days_to_accept)],
						[t("col_median_start"), (s) => num(s.median_days_to_start)],
					],
					steps,
					{ class: "numeric", rowAttrs: (s) => ({ dataset: { step: s.key, referred: s.referred, completed: s.completed } }) },
				),
			),
		);
		const series = [
			["col_referred", "referred", "#9fb9cc"],
			["col_accepted", "accepted", "#4f8fb8"],
			["col_started", "started", "#1f5f7a"],
			["col_completed", "completed", "#2f855a"],
			["col_dropped", "dropped_out", "#c53030"],
		];
		chart = new Chart(canvasEl, {
			type: "bar",
			data: {
				labels: steps.map((s) => s.name),
				datasets: series.map(([key, prop, colour]) => ({ label: t(key), data: steps.map((s) => s[prop] ?? 0), backgroundColor: colour, borderRadius: 3 })),
			},
			options: {
				indexAxis: "y",
				responsive: true,
				maintainAspectRatio: false,
				animation: false,
				scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
				plugins: { legend: { position: "bottom" } },
			},
		});
	}

	fill(main,
		...statsHead(
			"/funnel",
			"funnel_title",
			"funnel_intro",
			h(
				"div",
				{ class: "actions" },
				h("label", { for: "funnel-chain", class: "inline-label" }, t("funnel_chain")),
				chooser,
				h(
					"button",
					{
						class: "btn",
						type: "button",
						id: "funnel-csv",
						onclick: () =>
							csvDownload(`/v1/chains/${chainId}/stats/funnel${exportQuery(p)}`, t("funnel_filename")).catch((e) => announce(errorText(e), "error")),
					},
					t("csv"),
				),
			),
		),
		body,
	);
	await load();
	return {
		destroy: () => chart && chart.destroy(),
		onLive: () => load(),
	};
}

// How well each member answers within its agreed days to accept, for the period.
export async function agreementsView(main) {
	const network = await myNetwork();
	if (!network) return noNetwork(main);
	const p = period();
	const report = await api.get(`/v1/networks/${network.id}/stats/agreements${periodQuery(p)}`);
	const members = report.members || [];
	const share = (m) => {
		if (m.share_in_time === null || m.share_in_time === undefined) return "–";
		const kind = m.share_in_time >= 0.9 ? "ok" : m.share_in_time >= 0.7 ? "warn" : "bad";
		return badge(pct(m.share_in_time), kind);
	};
	fill(main,
		...statsHead(
			"/agreements",
			"agreements_title",
			"agreements_intro",
			h(
				"button",
				{
					class: "btn",
					type: "button",
					id: "agreements-csv",
					onclick: () =>
						csvDownload(`/v1/networks/${network.id}/stats/agreements${exportQuery(p)}`, t("agreements_filename")).catch((e) => announce(errorText(e), "error")),
				},
				t("csv"),
			),
		),
		h(
			"section",
			{ class: "card card-flush", id: "agreements" },
			members.length
				? table(
					[
						[t("col_name"), (m) => m.name || m.node_id],
						[t("agreements_days"), (m) => String(m.days_to_accept)],
						[t("agreements_referrals"), (m) => String(m.referrals)],
						[t("agreements_in_time"), (m) => String(m.answered_in_time)],
						[t("agreements_share"), share],
					],
					members,
					{ class: "numeric", rowAttrs: (m) => ({ dataset: { node: m.node_id, referrals: m.referrals, inTime: m.answered_in_time } }) },
				)
				: h("p", { class: "empty" }, t("agreements_none")),
		),
		h("p", { class: "hint" }, t("agreements_hint")),
	);
	return {};
}

export { KIND_COLOURS };
