// The network report for the Kommune and the Trägerversammlung: one printable page per period
// (and the period before), narrowed by target group, chain and district, with chart.js charts,
// tables and a short text per section that the coordinator may edit before printing. The
// figures come suppressed from the API (?suppress=true): the page is meant to leave pnet, so
// small numbers and what would give them away show as "x" (docs/user-guide/statistics.md).
// The texts stay in this browser (localStorage), per network, period, filter and section:
// docs/user-guide/statistics.md, "The network report", says why.
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip } from "chart.js";
import * as api from "../api.js";
import { h, fill, field, select, table, fmtDate } from "../dom.js";
import { t, lang } from "../i18n.js";
import { announce, errorText, navigate } from "../main.js";
import { myNetwork, csvDownload, noNetwork } from "./network.js";
import { statsHead, period, dayAfter } from "./stats.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const FATES = ["open", "declined", "withdrawn", "dropped_out", "goal_reached", "partially_reached", "not_reached", "referred_on"];
const FATE_LABEL = {
	open: "rp_open",
	declined: "st_declined",
	withdrawn: "st_withdrawn",
	dropped_out: "st_dropped_out",
	goal_reached: "o_goal_reached",
	partially_reached: "o_partially_reached",
	not_reached: "o_not_reached",
	referred_on: "o_referred_on",
};
// Colours per outcome, the same in every chart (the CSP allows no inline style: chart.js draws
// them on its canvas).
const FATE_COLOUR = {
	open: "#9fb9cc",
	declined: "#c05621",
	withdrawn: "#a0aec0",
	dropped_out: "#c53030",
	goal_reached: "#2f855a",
	partially_reached: "#68d391",
	not_reached: "#d69e2e",
	referred_on: "#4f8fb8",
};
const CURRENT_COLOUR = "#1f5f7a";
const PREVIOUS_COLOUR = "#9fb9cc";

// The last whole quarter before today, as the period a report shows first.
function lastQuarter() {
	const now = new Date();
	const q = Math.floor(now.getMonth() / 3);
	const start = new Date(Date.UTC(now.getFullYear(), (q - 1) * 3, 1));
	const end = new Date(Date.UTC(now.getFullYear(), q * 3, 0));
	return { from: start.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) };
}

// A count as the report shows it: "x" when hidden (null), "–" when there is nothing.
const count = (v) => (v === null ? "x" : v === undefined ? "–" : String(v));
const share = (v) => (v === null || v === undefined ? "–" : `${(Math.round(v * 1000) / 10).toLocaleString(locale())} %`);
const days = (v) => (v === null || v === undefined ? "–" : v.toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
const locale = () => (lang === "en" ? "en-GB" : "de-DE");
const reasonLabel = (code) => (code ? t(`r_${code}`) : "–");
const districtLabel = (d) => d ?? t("rp_unknown");
// The last day of a period whose until is exclusive.
const lastDay = (until) => {
	const d = new Date(`${until}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() - 1);
	return d.toISOString().slice(0, 10);
};
const periodLabel = (p) => `${fmtDate(p.since)} – ${fmtDate(lastDay(p.until))}`;

// The coordinator's text for one section, kept in this browser.
function textKey(scope, section) {
	return `pnet.report.${scope}.${section}`;
}

// One section: heading, the coordinator's text (a textarea on screen, a paragraph in print),
// a chart and tables.
function section(id, scope, titleKey, chartBox, ...content) {
	const key = textKey(scope, id);
	const saved = localStorage.getItem(key) || "";
	const printed = h("p", { class: "report-text print-only", id: `report-text-${id}-print` }, saved);
	const area = h("textarea", {
		id: `report-text-${id}`,
		name: `text-${id}`,
		rows: 3,
		maxlength: 2000,
		placeholder: t("rp_text_placeholder"),
		oninput: (e) => {
			const v = e.target.value;
			if (v) localStorage.setItem(key, v);
			else localStorage.removeItem(key);
			printed.textContent = v;
			printed.classList.toggle("empty-text", !v);
		},
	});
	area.value = saved;
	printed.classList.toggle("empty-text", !saved);
	return h(
		"section",
		{ class: "report-section", id: `report-${id}`, "aria-labelledby": `report-${id}-h` },
		h("h2", { id: `report-${id}-h` }, t(titleKey)),
		h("div", { class: "no-print report-text-edit" }, field(t("rp_text_label"), area, t("rp_text_hint"))),
		printed,
		chartBox,
		...content,
	);
}

function chartBox(id, label) {
	const canvas = h("canvas", { id: `chart-${id}`, role: "img", "aria-label": label });
	return { box: h("div", { class: "report-chart" }, canvas), canvas };
}

// A bar chart; hidden counts (null) are drawn as nothing. No animation, so that what the
// printer gets is the finished chart.
function barChart(canvas, labels, datasets, { stacked = false, horizontal = false } = {}) {
	return new Chart(canvas, {
		type: "bar",
		data: { labels, datasets },
		options: {
			indexAxis: horizontal ? "y" : "x",
			responsive: true,
			maintainAspectRatio: false,
			animation: false,
			devicePixelRatio: 2,
			scales: {
				x: { stacked, beginAtZero: true, ticks: horizontal ? { precision: 0 } : {} },
				y: { stacked, beginAtZero: true, ticks: horizontal ? {} : { precision: 0 } },
			},
			plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
		},
	});
}

function fateTable(rows, nameOf, idOf, extra = [], caption = null) {
	return table(
		[
			[extra.length ? t(extra[0]) : t("col_name"), nameOf],
			[t("col_referred"), (r) => count(r.referred)],
			...FATES.map((f) => [t(FATE_LABEL[f]), (r) => count(r[f])]),
		],
		rows,
		{ class: "numeric report-table", caption, rowAttrs: (r) => ({ dataset: { row: idOf(r) } }) },
	);
}

function overview(cur, prev) {
	const rowsOf = [
		["col_referred", (p) => count(p.totals.referred)],
		["col_accepted", (p) => count(p.totals.accepted)],
		["col_started", (p) => count(p.totals.started)],
		...FATES.map((f) => [FATE_LABEL[f], (p) => count(p.totals[f])]),
		["rp_warm", (p) => count(p.totals.warm_handovers)],
		["rp_warm_share", (p) => share(p.totals.warm_handover_share)],
	];
	return table(
		[
			[t("rp_figure"), ([key]) => t(key)],
			[t("rp_current"), ([, f]) => f(cur)],
			[t("rp_previous"), ([, f]) => f(prev)],
		],
		rowsOf,
		{ class: "numeric report-table", rowAttrs: ([key]) => ({ dataset: { figure: key } }) },
	);
}

// Rows of several chains as one table per chain, captioned with its name.
function perChain(rows, make) {
	const chains = [...new Set(rows.map((r) => r.chain_id))];
	return chains.map((id) => {
		const mine = rows.filter((r) => r.chain_id === id);
		return scroll(make(mine, mine[0].chain_name));
	});
}

// Wide tables scroll on a narrow screen instead of widening the page.
const scroll = (el) => h("div", { class: "table-scroll" }, el);

function timingTable(rows, caption) {
	// "median / p90 (n)", or x when the count is hidden
	const spread = (m) => (m.n === null ? "x" : m.n ? `${days(m.median)} / ${days(m.p90)} (${m.n})` : "–");
	const inTarget = (m) => (m.within_target === null ? "x" : m.with_target ? t("rp_of", { part: m.within_target, whole: count(m.with_target) }) : "–");
	const cols = [[t("col_step"), (r) => (r.step_key ? r.step_name : t("rp_all_referrals"))]];
	for (const [key, target] of [["reaction", null], ["acceptance", "target_days_to_accept"], ["start", "target_days_to_start"]]) {
		const title = t(`rp_${key}`);
		if (target) cols.push([`${title}: ${t("rp_target")}`, (r) => (r[target] ? String(r[target]) : "–")]);
		cols.push([`${title}: ${t("rp_spread")}`, (r) => spread(r[key])], [`${title}: ${t("rp_in_target")}`, (r) => inTarget(r[key])]);
	}
	return table(cols, rows, { class: "numeric report-table", caption, rowAttrs: (r) => ({ dataset: { row: r.step_key || "all" } }) });
}

function flowsTable(flows) {
	const froms = [...new Set(flows.map((f) => f.from_district))];
	const tos = [...new Set(flows.map((f) => f.to_district))];
	const cell = (from, to) => {
		const f = flows.find((x) => x.from_district === from && x.to_district === to);
		return f ? count(f.referred) : "0";
	};
	return table(
		[[t("rp_client_district"), (from) => districtLabel(from)], ...tos.map((to) => [`→ ${districtLabel(to)}`, (from) => cell(from, to)])],
		froms,
		{ class: "numeric report-table", caption: t("rp_flows"), rowAttrs: (from) => ({ dataset: { district: from ?? "" } }) },
	);
}

export async function reportView(main) {
	delete main.dataset.reportReady;
	const network = await myNetwork();
	if (!network) return noNetwork(main);
	let p = period();
	if (!p.from || !p.to) {
		const q = lastQuarter();
		p = { from: p.from || q.from, to: p.to || q.to };
	}
	const params = new URLSearchParams(location.search);
	const [groups, chains] = await Promise.all([api.all(`/v1/networks/${network.id}/target-groups`), api.all(`/v1/networks/${network.id}/chains`)]);
	const filters = {
		target_group: groups.some((g) => g.id === params.get("target_group")) ? params.get("target_group") : "",
		chain: chains.some((c) => c.id === params.get("chain")) ? params.get("chain") : "",
		district: (params.get("district") || "").slice(0, 100),
	};
	const query = { since: p.from, until: dayAfter(p.to), ...filters };
	const charts = [];

	const groupSel = select("target_group", [["", t("rp_all")], ...groups.map((g) => [g.id, g.name])], filters.target_group, { id: "report-target-group" });
	const chainSel = select("chain", [["", t("rp_all")], ...chains.map((c) => [c.id, c.name])], filters.chain, { id: "report-chain" });
	// The districts the report has met, to choose from (any other may be typed).
	const districtList = h("datalist", { id: "report-district-list" });
	const districtIn = h("input", { name: "district", id: "report-district", maxlength: 100, value: filters.district, placeholder: t("rp_all"), list: "report-district-list" });
	const filterForm = h(
		"form",
		{
			class: "period-form no-print",
			id: "report-filters",
			onsubmit: (e) => {
				e.preventDefault();
				navigate("/report" + api.qs({ from: p.from, to: p.to, target_group: groupSel.value, chain: chainSel.value, district: districtIn.value.trim() }));
			},
		},
		field(t("rp_target_group"), groupSel),
		field(t("rp_chain"), chainSel),
		field(t("rp_district"), districtIn),
		districtList,
		h("button", { class: "btn btn-primary", type: "submit", id: "report-apply" }, t("rp_apply")),
	);
	const actions = h(
		"div",
		{ class: "actions" },
		h("button", { class: "btn btn-primary", type: "button", id: "report-print", onclick: () => window.print() }, t("rp_print")),
		h(
			"button",
			{
				class: "btn",
				type: "button",
				id: "report-csv",
				onclick: () =>
					csvDownload(`/v1/networks/${network.id}/report${api.qs({ ...query, format: "excel", lang })}`, `${t("rp_filename")}-${p.from}-${p.to}.csv`).catch((e) => announce(errorText(e), "error")),
			},
			t("csv"),
		),
	);
	const body = h("div", { id: "report-body" });
	const head = statsHead("/report", "rp_title", "rp_intro", actions, { from: p.from, to: p.to }).map((el) => {
		el.classList.add("no-print");
		return el;
	});
	// A report is always for a period: no "whole period" here.
	head.forEach((el) => el.querySelector("#period-reset")?.remove());
	fill(main, ...head, h("section", { class: "card no-print" }, filterForm), body);

	let report;
	try {
		report = await api.get(`/v1/networks/${network.id}/report${api.qs({ ...query, suppress: "true" })}`);
	} catch (e) {
		fill(body, h("div", { class: "notice notice-error", role: "alert", id: "report-error" }, errorText(e)));
		return {};
	}
	const cur = report.current;
	const prev = report.previous;
	const known = [...new Set([...cur.districts, ...prev.districts].map((d) => d.district).filter(Boolean))].sort();
	fill(districtList, known.map((d) => h("option", { value: d })));
	const scope = [network.id, cur.since, cur.until, filters.target_group, filters.chain, filters.district].join(".");
	const chosen = [
		filters.target_group ? `${t("rp_target_group")}: ${report.filters.target_group_name}` : null,
		filters.chain ? `${t("rp_chain")}: ${report.filters.chain_name}` : null,
		filters.district ? `${t("rp_district")}: ${filters.district}` : null,
	].filter(Boolean);

	const ov = chartBox("overview", t("rp_s_overview"));
	const st = chartBox("steps", t("rp_s_steps"));
	const pr = chartBox("providers", t("rp_s_providers"));
	const re = chartBox("reasons", t("rp_s_reasons"));
	const ti = chartBox("timing", t("rp_s_timing"));
	const di = chartBox("districts", t("rp_s_districts"));
	const none = (rows) => (rows.length ? null : h("p", { class: "empty" }, t("rp_none")));

	fill(body,
		h(
			"article",
			{ class: "report", id: "report", lang },
			h(
				"header",
				{ class: "report-head" },
				h("h1", { id: "report-title" }, t("rp_heading", { network: report.network_name })),
				h("p", { id: "report-period" }, t("rp_period", { period: periodLabel(cur) })),
				h("p", { id: "report-previous" }, t("rp_compared", { period: periodLabel(prev) })),
				chosen.length ? h("p", { id: "report-chosen" }, chosen.join(" · ")) : null,
				h("p", { class: "hint", id: "report-suppressed" }, t("rp_suppressed")),
			),
			section("overview", scope, "rp_s_overview", ov.box, overview(cur, prev)),
			section("steps", scope, "rp_s_steps", cur.outcomes_by_step.length ? st.box : null,
				none(cur.outcomes_by_step) || perChain(cur.outcomes_by_step, (rows, caption) => fateTable(rows, (r) => r.step_name, (r) => r.step_key, ["col_step"], caption))),
			section("providers", scope, "rp_s_providers", cur.outcomes_by_provider.length ? pr.box : null,
				none(cur.outcomes_by_provider) || scroll(fateTable(cur.outcomes_by_provider, (r) => r.name || r.node_id, (r) => r.node_id))),
			section("reasons", scope, "rp_s_reasons", cur.decline_reasons.length + cur.dropout_reasons.length ? re.box : null,
				h(
					"div",
					{ class: "report-pair" },
					table([[t("rp_decline_reasons"), (r) => reasonLabel(r.reason)], [t("col_referred"), (r) => count(r.referrals)]], cur.decline_reasons, { class: "numeric report-table", rowAttrs: (r) => ({ dataset: { reason: r.reason || "" } }) }),
					table([[t("rp_dropout_reasons"), (r) => reasonLabel(r.reason)], [t("col_referred"), (r) => count(r.referrals)]], cur.dropout_reasons, { class: "numeric report-table", rowAttrs: (r) => ({ dataset: { reason: r.reason || "" } }) }),
				)),
			section("timing", scope, "rp_s_timing", ti.box,
				scroll(timingTable(cur.timing.filter((r) => !r.step_key))),
				perChain(cur.timing.filter((r) => r.step_key), timingTable),
				h("p", { class: "hint" }, t("rp_timing_hint"))),
			section("districts", scope, "rp_s_districts", cur.districts.length ? di.box : null,
				none(cur.districts) ||
					table(
						[[t("rp_client_district"), (r) => districtLabel(r.district)], [t("col_referred"), (r) => count(r.referred)]],
						cur.districts,
						{ class: "numeric report-table", rowAttrs: (r) => ({ dataset: { district: r.district ?? "" } }) },
					),
				cur.district_flows.length ? scroll(flowsTable(cur.district_flows)) : null),
		),
	);

	const num = (v) => (v === null || v === undefined ? null : v);
	const fateSets = (rows) => FATES.map((f) => ({ label: t(FATE_LABEL[f]), data: rows.map((r) => num(r[f])), backgroundColor: FATE_COLOUR[f] }));
	charts.push(
		barChart(ov.canvas, FATES.map((f) => t(FATE_LABEL[f])), [
			{ label: t("rp_current"), data: FATES.map((f) => num(cur.totals[f])), backgroundColor: CURRENT_COLOUR },
			{ label: t("rp_previous"), data: FATES.map((f) => num(prev.totals[f])), backgroundColor: PREVIOUS_COLOUR },
		]),
	);
	if (cur.outcomes_by_step.length) charts.push(barChart(st.canvas, cur.outcomes_by_step.map((r) => r.step_name), fateSets(cur.outcomes_by_step), { stacked: true, horizontal: true }));
	if (cur.outcomes_by_provider.length) charts.push(barChart(pr.canvas, cur.outcomes_by_provider.map((r) => r.name), fateSets(cur.outcomes_by_provider), { stacked: true, horizontal: true }));
	if (cur.decline_reasons.length + cur.dropout_reasons.length) {
		const reasons = [...cur.decline_reasons.map((r) => [t("st_declined"), r]), ...cur.dropout_reasons.map((r) => [t("st_dropped_out"), r])];
		charts.push(barChart(re.canvas, reasons.map(([kind, r]) => `${kind}: ${reasonLabel(r.reason)}`), [{ label: t("col_referred"), data: reasons.map(([, r]) => num(r.referrals)), backgroundColor: FATE_COLOUR.declined }], { horizontal: true }));
	}
	charts.push(
		barChart(ti.canvas, cur.timing.map((r) => (r.step_key ? r.step_name : t("rp_all_referrals"))), [
			{ label: `${t("rp_acceptance")}: ${t("rp_median")}`, data: cur.timing.map((r) => num(r.acceptance.median)), backgroundColor: CURRENT_COLOUR },
			{ label: `${t("rp_acceptance")}: ${t("rp_p90")}`, data: cur.timing.map((r) => num(r.acceptance.p90)), backgroundColor: PREVIOUS_COLOUR },
			{ label: `${t("rp_start")}: ${t("rp_median")}`, data: cur.timing.map((r) => num(r.start.median)), backgroundColor: FATE_COLOUR.goal_reached },
		]),
	);
	if (cur.districts.length) charts.push(barChart(di.canvas, cur.districts.map((r) => districtLabel(r.district)), [{ label: t("col_referred"), data: cur.districts.map((r) => num(r.referred)), backgroundColor: CURRENT_COLOUR }]));
	main.dataset.reportReady = "true";
	return { destroy: () => charts.forEach((c) => c.destroy()) };
}
