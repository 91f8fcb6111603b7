// The directory: services by category, target group, district and free capacity.
import * as api from "../api.js";
import { h, fill, field, select, table, badge } from "../dom.js";
import { t, label } from "../i18n.js";
import { errorText, session } from "../main.js";

export async function directoryView(main) {
	const [taxonomy, networks, nodes] = await Promise.all([api.get("/v1/taxonomy"), api.all("/v1/networks"), api.nodes()]);
	const cats = taxonomy.items || taxonomy;
	const catLabel = new Map(cats.map((c) => [c.code, label(c)]));
	// A node's people choose among their own networks' target groups (names repeat across
	// networks); coordinators and administrators see every network's.
	const own = session.me.node_id ? new Set(await api.memberNetworks(session.me.node_id)) : null;
	const groups = (await Promise.all(networks.filter((n) => !own || own.has(n.id)).map((n) => api.all(`/v1/networks/${n.id}/target-groups`)))).flat();
	const districts = [...new Set([...nodes.values()].map((n) => n.district).filter(Boolean))].sort();
	const params = new URLSearchParams(location.search);
	const any = ["", t("dir_any")];
	const q = h("input", { name: "q", type: "search", value: params.get("q") || "" });
	const category = select("category", [any, ...cats.map((c) => [c.code, label(c)])], params.get("category") || "");
	const group = select("target_group_id", [any, ...groups.map((g) => [g.id, g.name])], params.get("target_group_id") || "");
	const district = select("district", [any, ...districts.map((d) => [d, d])], params.get("district") || "");
	const capacity = h("input", { type: "checkbox", name: "has_capacity", id: "dir-capacity", checked: params.get("has_capacity") === "true" });
	const results = h("div", { id: "dir-results", "aria-live": "polite" });

	async function search() {
		const query = {
			q: q.value.trim(),
			category: category.value,
			target_group_id: group.value,
			district: district.value,
			has_capacity: capacity.checked ? "true" : "",
		};
		history.replaceState(null, "", `/directory${api.qs(query)}`);
		let items;
		try {
			items = await api.all(`/v1/services${api.qs(query)}`, 500);
		} catch (e) {
			return fill(results, h("div", { class: "notice notice-error", role: "alert" }, errorText(e)));
		}
		fill(results,
			h("p", { class: "result-count" }, t("dir_results", { n: items.length })),
			items.length
				? h(
					"section",
					{ class: "card card-flush" },
					table(
						[
							[t("col_service"), (s) => h("div", {}, h("strong", {}, s.name), s.description ? h("div", { class: "muted small clamp" }, s.description) : null)],
							[t("col_provider"), (s) => s.node?.name || nodes.get(s.node_id)?.name || "–"],
							[t("col_category"), (s) => catLabel.get(s.category) || s.category],
							[t("col_district"), (s) => s.district || s.node?.district || "–"],
							[
								t("col_capacity"),
								(s) =>
									s.capacity_free === null || s.capacity_free === undefined
										? "–"
										: badge(s.capacity_free > 0 ? t("free_places", { n: s.capacity_free }) : t("no_free_places"), s.capacity_free > 0 ? "ok" : "warn"),
							],
							[t("col_wait"), (s) => (s.wait_days === null || s.wait_days === undefined ? "–" : t("days", { n: s.wait_days }))],
						],
						items,
						{ class: "wrap", rowAttrs: (s) => ({ dataset: { id: s.id } }) },
					),
				)
				: h("p", { class: "empty" }, t("dir_none")),
		);
	}

	fill(main,
		h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("directory_title")), h("p", { class: "lead" }, t("directory_intro")))),
		h(
			"form",
			{
				class: "card filter-bar",
				id: "dir-form",
				role: "search",
				onsubmit: (e) => {
					e.preventDefault();
					search();
				},
			},
			field(t("dir_q"), q),
			field(t("dir_category"), category),
			field(t("dir_target_group"), group),
			field(t("dir_district"), district),
			h("div", { class: "field field-check" }, capacity, h("label", { for: capacity.id }, t("dir_capacity"))),
			h("button", { class: "btn btn-primary", type: "submit" }, t("dir_search")),
		),
		results,
	);
	await search();
	return {};
}
