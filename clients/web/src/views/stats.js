// Statistics for coordinators: the network map (cytoscape) and the funnel per chain
// (chart.js), each with a table beside it and a CSV download from the API.
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip } from "chart.js";
import * as api from "../api.js";
import { h, fill, select, table } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText } from "../main.js";
import { drawNetwork, KIND_COLOURS } from "../graph.js";
import { myNetwork, kindLabel, csvDownload } from "./network.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

// The router's 404 for a path it does not know: the statistics are not on this server yet.
function notThere(e) {
	return e && e.status === 404 && /nothing at/i.test(e.problem?.detail || "");
}

const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)} %`);
const num = (v) =>
	v === null || v === undefined ? "–" : (Math.round(v * 10) / 10).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "de-DE");

export async function mapView(main) {
	const network = await myNetwork();
	const members = await api.all(`/v1/networks/${network.id}/members?active=true`);
	let flows = [];
	let missing = false;
	try {
		flows = (await api.get(`/v1/networks/${network.id}/stats/flows`)).nodes || [];
	} catch (e) {
		if (notThere(e)) missing = true;
		else throw e;
	}
	const nodes = members.map((m) => ({ id: m.node_id, name: m.node?.name || m.node_id, kind: m.node?.kind || "other" }));
	const canvas = h("div", { class: "graph graph-map", id: "network-graph", "aria-hidden": "true" });
	const kinds = [...new Set(nodes.map((n) => n.kind))];
	fill(main,
		h(
			"div",
			{ class: "page-head" },
			h("div", {}, h("h1", {}, t("map_title")), h("p", { class: "lead" }, t("map_intro"))),
			missing
				? null
				: h(
					"button",
					{
						class: "btn",
						type: "button",
						id: "flows-csv",
						onclick: () => csvDownload(`/v1/networks/${network.id}/stats/flows`, "fluesse.csv").catch((e) => announce(errorText(e), "error")),
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
	const chains = (await api.all(`/v1/networks/${network.id}/chains`)).filter((c) => c.current_version);
	const params = new URLSearchParams(location.search);
	let chainId = params.get("chain") || chains[0]?.id;
	let chart = null;
	const chooser = select("chain", chains.map((c) => [c.id, c.name]), chainId, { id: "funnel-chain" });
	const body = h("div", { id: "funnel-body", "aria-live": "polite" });
	chooser.addEventListener("change", () => {
		chainId = chooser.value;
		history.replaceState(null, "", `/funnel?chain=${chainId}`);
		load();
	});

	async function load() {
		if (chart) chart.destroy();
		chart = null;
		if (!chainId) return fill(body, h("p", { class: "empty" }, "–"));
		let steps;
		try {
			steps = (await api.get(`/v1/chains/${chainId}/stats/funnel`)).steps || [];
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
		h(
			"div",
			{ class: "page-head" },
			h("div", {}, h("h1", {}, t("funnel_title")), h("p", { class: "lead" }, t("funnel_intro"))),
			h(
				"div",
				{ class: "actions" },
				h("label", { for: "funnel-chain", class: "inline-label" }, t("funnel_chain")),
				chooser,
				h(
					"button",
					{ class: "btn", type: "button", id: "funnel-csv", onclick: () => csvDownload(`/v1/chains/${chainId}/stats/funnel`, "trichter.csv").catch((e) => announce(errorText(e), "error")) },
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

export { KIND_COLOURS };
