// The coordinator's contracts (Kontingente) and funding sources: the network's list of sources
// (added, set inactive), the contracts of places per service, funder and period (added,
// changed), and use against contract on a day with the referrals still waiting, downloadable
// as CSV the way the statistics are (?format=excel, ?lang=de).
import * as api from "../api.js";
import { h, fill, field, select, table, fmtDate, isoDay } from "../dom.js";
import { t, lang } from "../i18n.js";
import { announce, navigate } from "../main.js";
import { showFormError, clearErrors, numberOrNull } from "../forms.js";
import { myNetwork, noNetwork, csvDownload } from "./network.js";

// The first day of the quarter or year of day (YYYY-MM-DD).
export function periodStart(period, day) {
	const [y, m] = day.split("-").map(Number);
	const month = period === "year" ? 1 : 3 * Math.floor((m - 1) / 3) + 1;
	return `${y}-${String(month).padStart(2, "0")}-01`;
}

function sourcesCard(network, sources, reload) {
	const code = h("input", { name: "code", required: true, maxlength: 64, pattern: "[a-z][a-z0-9_\\-]*" });
	const name = h("input", { name: "name", required: true, maxlength: 200 });
	const form = h(
		"form",
		{
			id: "source-form",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				try {
					await api.post(`/v1/networks/${network.id}/funding-sources`, { code: code.value.trim(), name: name.value.trim() });
					announce(t("source_added", { name: name.value.trim() }));
					await reload();
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		field(t("source_code"), code, t("source_code_hint")),
		field(t("source_name"), name),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t("source_add"))),
	);
	const toggle = (f) =>
		h(
			"button",
			{
				class: "btn btn-small",
				type: "button",
				dataset: { toggle: f.id },
				onclick: async () => {
					await api.patch(`/v1/funding-sources/${f.id}`, { active: !f.active }, { ifMatch: f.version });
					await reload();
				},
			},
			t(f.active ? "source_deactivate" : "source_activate"),
		);
	return h(
		"section",
		{ class: "card", id: "sources", "aria-labelledby": "sources-h" },
		h("h2", { id: "sources-h" }, t("sources_title")),
		h("p", { class: "lead" }, t("sources_intro")),
		sources.length
			? table(
				[
					[t("source_name"), (f) => f.name],
					[t("source_code"), (f) => f.code],
					[t("source_state"), (f) => t(f.active ? "source_active" : "source_inactive")],
					["", toggle],
				],
				sources,
				{ rowAttrs: (f) => ({ dataset: { id: f.id } }) },
			)
			: h("p", { class: "empty" }, t("sources_none")),
		h("details", { id: "source-new" }, h("summary", {}, t("source_add")), form),
	);
}

function contractForm(network, services, sources, reload) {
	const service = select("service_id", [["", t("contract_choose_service")], ...services.map((s) => [s.id, `${s.name} – ${s.node.name}`])], "", { required: true });
	const funder = select("funding_source_id", [["", t("contract_no_funder")], ...sources.filter((f) => f.active).map((f) => [f.id, f.name])], "");
	const period = select("period", [["quarter", t("period_quarter")], ["year", t("period_year")]], "quarter");
	const start = h("input", { name: "period_start", type: "date", required: true, value: periodStart("quarter", isoDay()) });
	period.addEventListener("change", () => (start.value = periodStart(period.value, start.value || isoDay())));
	const places = h("input", { name: "places", type: "number", min: 1, max: 100000, required: true });
	const price = h("input", { name: "price_per_place", type: "number", min: 0, step: "0.01" });
	const limit = select("limit", [["hard", t("limit_hard")], ["soft", t("limit_soft")]], "hard");
	const form = h(
		"form",
		{
			id: "contract-form",
			class: "stack",
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				const body = { network_id: network.id, period: period.value, period_start: start.value, places: Number(places.value), limit: limit.value };
				if (funder.value) body.funding_source_id = funder.value;
				if (price.value !== "") body.price_per_place = numberOrNull(price);
				try {
					await api.post(`/v1/services/${service.value}/contracts`, body);
					announce(t("contract_added"));
					await reload();
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		field(t("contract_service"), service),
		field(t("contract_funder"), funder),
		field(t("contract_period"), period),
		field(t("contract_period_start"), start, t("contract_period_start_hint")),
		field(t("contract_places"), places),
		field(t("contract_price"), price),
		field(t("contract_limit"), limit, t("contract_limit_hint")),
		h("div", { class: "form-error", role: "alert" }),
		h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" }, t("contract_add"))),
	);
	return form;
}

// A contract's places, price per place and hard or soft limit, changed in place (PATCH names
// only what changed, at the version shown).
function contractEditor(c, reload) {
	const places = h("input", { type: "number", min: 1, max: 100000, required: true, value: c.places, name: "places" });
	const price = h("input", { type: "number", min: 0, max: 10000000, step: "0.01", value: c.price_per_place ?? "", name: "price_per_place" });
	const limit = select("limit", [["hard", t("limit_hard")], ["soft", t("limit_soft")]], c.limit);
	const term = (text, control) => h("label", { class: "contract-term" }, h("span", {}, text), control);
	const form = h(
		"form",
		{
			class: "inline-form contract-editor",
			dataset: { contract: c.id },
			onsubmit: async (e) => {
				e.preventDefault();
				clearErrors(form);
				const body = {};
				if (Number(places.value) !== c.places) body.places = Number(places.value);
				const p = numberOrNull(price);
				if (p !== (c.price_per_place ?? null)) body.price_per_place = p;
				if (limit.value !== c.limit) body.limit = limit.value;
				if (!Object.keys(body).length) return announce(t("contract_unchanged"), "info");
				try {
					await api.patch(`/v1/contracts/${c.id}`, body, { ifMatch: c.version });
					announce(t("contract_changed"));
					await reload();
				} catch (err) {
					showFormError(form, err);
				}
			},
		},
		term(t("contract_places"), places),
		term(t("contract_price"), price),
		term(t("contract_limit"), limit),
		h("button", { class: "btn btn-small", type: "submit" }, t("save")),
		h("div", { class: "form-error", role: "alert" }),
	);
	return form;
}

export async function contractsView(main) {
	const network = await myNetwork();
	if (!network) return noNetwork(main);
	const params = new URLSearchParams(location.search);
	const on = params.get("on") || isoDay();
	const draw = async () => {
		const [sourcesBody, use, services] = await Promise.all([
			api.get(`/v1/networks/${network.id}/funding-sources`),
			api.get(`/v1/networks/${network.id}/contract-use${api.qs({ on })}`),
			api.all(`/v1/services${api.qs({ network_id: network.id })}`, 2000),
		]);
		const sources = sourcesBody.items;
		const day = h("input", { type: "date", name: "on", value: on, id: "use-on" });
		const cols = [
			[t("contract_service"), (c) => h("span", {}, c.service_name, h("br"), h("small", {}, c.node_name))],
			[t("contract_funder"), (c) => c.funding_source_name || t("contract_no_funder")],
			[t("contract_period"), (c) => `${fmtDate(c.period_start)} – ${fmtDate(c.period_end)}`],
			[t("contract_terms"), (c) => contractEditor(c, draw)],
			[t("contract_taken"), (c) => h("strong", { class: c.exhausted ? "badge badge-warn" : "" }, String(c.places_taken))],
			[t("contract_free"), (c) => (c.exhausted ? h("span", { class: "badge badge-warn" }, t("contract_exhausted")) : String(c.places_free))],
			[t("contract_waiting"), (c) => String(c.waiting_count)],
		];
		const csv = (format) => () =>
			csvDownload(`/v1/networks/${network.id}/contract-use${api.qs({ on, format, lang })}`, `kontingente-${on}${format === "excel" ? "-excel" : ""}.csv`);
		fill(main,
			h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("contracts_title")), h("p", { class: "lead" }, t("contracts_intro")))),
			h(
				"section",
				{ class: "card", id: "contract-use", "aria-labelledby": "use-h" },
				h("h2", { id: "use-h" }, t("contract_use_title", { day: fmtDate(on) })),
				h(
					"form",
					{
						class: "inline-form",
						id: "use-day",
						onsubmit: (e) => {
							e.preventDefault();
							navigate(`/contracts?on=${day.value}`);
						},
					},
					field(t("contract_use_day"), day),
					h("button", { class: "btn", type: "submit" }, t("contract_use_show")),
					h("button", { class: "btn", type: "button", id: "use-csv", onclick: csv("csv") }, t("csv")),
					h("button", { class: "btn", type: "button", id: "use-excel", onclick: csv("excel") }, t("contract_excel")),
				),
				use.items.length
					? table(cols, use.items, { class: "contract-table", rowAttrs: (c) => ({ dataset: { id: c.id, service: c.service_id, exhausted: String(c.exhausted) } }) })
					: h("p", { class: "empty", id: "contracts-none" }, t("contracts_none")),
			),
			h("section", { class: "card", id: "contract-new-card" }, h("details", { id: "contract-new" }, h("summary", {}, t("contract_add")), contractForm(network, services, sources, draw))),
			sourcesCard(network, sources, draw),
		);
	};
	await draw();
	return {};
}
