// Admins register webhooks for any node (docs/events.md, "Webhooks"): the URL and the events
// to send, the signing secret shown once, a test event, and every delivery with its attempts
// and last error.
import * as api from "../api.js";
import { h, fill, field, select, table, badge, fmtDate } from "../dom.js";
import { t } from "../i18n.js";
import { announce, errorText, navigate } from "../main.js";
import { showFormError, clearErrors, valueOrNull } from "../forms.js";

const EVENT_TYPES = ["referral.created", "referral.updated", "referral.handover", "consent.revoked"];
const STATE_KINDS = { delivered: "ok", pending: "warn", failed: "bad" };

const eventLabel = (type) => t(`event_${type.replace(".", "_")}`);

export async function webhooksView(main) {
	const nodes = await api.nodes();
	const params = new URLSearchParams(location.search);
	const nodeId = params.get("node") || "";
	let webhooks = [];
	let selected = params.get("webhook") || "";
	let secret = null; // the secret of a webhook just registered: shown once
	let pollTimer = null;

	const nodeName = (id) => nodes.get(id)?.name || id;
	const sortedNodes = [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name, "de"));
	const deliveriesBox = h("div", { id: "deliveries-box" });

	async function load() {
		webhooks = await api.all(`/v1/webhooks${api.qs({ node_id: nodeId })}`);
		if (selected && !webhooks.some((w) => w.id === selected)) selected = "";
	}

	async function reload(message) {
		await load();
		draw();
		if (message) announce(message);
	}

	function address(more) {
		return `/admin/webhooks${api.qs({ node: nodeId, webhook: selected, ...more })}`;
	}

	async function showDeliveries(keepPolling = 0) {
		clearTimeout(pollTimer);
		const w = webhooks.find((x) => x.id === selected);
		if (!w) return fill(deliveriesBox);
		let items;
		try {
			items = (await api.get(`/v1/webhooks/${w.id}/deliveries?limit=100`)).items || [];
		} catch (e) {
			return fill(deliveriesBox, h("div", { class: "notice notice-error", role: "alert" }, errorText(e)));
		}
		fill(deliveriesBox,
			h(
				"section",
				{ class: "card card-flush", "aria-labelledby": "deliveries-h", id: "deliveries", dataset: { webhook: w.id } },
				h(
					"div",
					{ class: "card-title-row" },
					h("h2", { id: "deliveries-h", class: "card-title" }, t("deliveries_title", { url: w.url })),
					h("button", { class: "btn btn-small", type: "button", id: "deliveries-refresh", onclick: () => showDeliveries() }, t("refresh")),
				),
				items.length
					? h(
						"div",
						{ class: "table-scroll" },
						table(
							[
								[t("delivery_created"), (d) => fmtDate(d.created_at, true)],
								[t("delivery_event"), (d) => h("span", {}, eventLabel(d.type), " ", h("span", { class: "muted small" }, `#${d.event_id}`))],
								[t("col_status"), (d) => badge(t(`delivery_${d.state}`), STATE_KINDS[d.state] || "muted")],
								[t("delivery_attempts"), (d) => String(d.attempts)],
								[t("delivery_last_status"), (d) => (d.last_status ? `HTTP ${d.last_status}` : "–")],
								[t("delivery_last_error"), (d) => d.last_error || "–"],
								[t("delivery_next"), (d) => (d.state === "pending" ? fmtDate(d.next_attempt_at, true) : "–")],
							],
							items,
							{ class: "wrap", rowAttrs: (d) => ({ dataset: { id: d.id, state: d.state, type: d.type } }) },
						),
					)
					: h("p", { class: "empty" }, t("deliveries_none")),
			),
		);
		// After a test event: look again until it is no longer pending (a few times).
		if (keepPolling > 0 && items.some((d) => d.state === "pending")) pollTimer = setTimeout(() => showDeliveries(keepPolling - 1), 1500);
	}

	async function act(w, fn, message) {
		try {
			await fn();
			await reload(message);
		} catch (e) {
			announce(errorText(e), "error");
		}
	}

	function webhookRow(w) {
		return h(
			"span",
			{ class: "actions" },
			h(
				"button",
				{
					class: "btn btn-small",
					type: "button",
					"data-deliveries": w.id,
					onclick: () => {
						selected = w.id;
						history.replaceState(null, "", address());
						draw();
					},
				},
				t("webhook_deliveries"),
			),
			w.active
				? h(
					"button",
					{
						class: "btn btn-small",
						type: "button",
						"data-ping": w.id,
						onclick: async () => {
							try {
								await api.post(`/v1/webhooks/${w.id}/ping`);
								selected = w.id;
								history.replaceState(null, "", address());
								draw(5);
								announce(t("webhook_pinged"));
							} catch (e) {
								announce(errorText(e), "error");
							}
						},
					},
					t("webhook_ping"),
				)
				: null,
			h(
				"button",
				{
					class: "btn btn-small",
					type: "button",
					"data-toggle": w.id,
					onclick: () => act(w, () => api.patch(`/v1/webhooks/${w.id}`, { active: !w.active }, { ifMatch: w.version }), w.active ? t("webhook_disabled_done") : t("webhook_enabled_done")),
				},
				w.active ? t("webhook_disable") : t("webhook_enable"),
			),
			h(
				"button",
				{
					class: "btn btn-small btn-danger-quiet",
					type: "button",
					"data-delete": w.id,
					onclick: () => {
						if (!confirm(t("webhook_delete_confirm", { url: w.url }))) return;
						act(w, () => api.request("DELETE", `/v1/webhooks/${w.id}`), t("webhook_deleted"));
					},
				},
				t("webhook_delete"),
			),
		);
	}

	function registerForm() {
		const node = select("node_id", [["", t("account_pick_node")], ...sortedNodes.map((n) => [n.id, n.name])], nodeId, { required: true, id: "webhook-node" });
		const url = h("input", { name: "url", type: "url", required: true, maxlength: 2000, placeholder: "https://fachverfahren.example/pnet" });
		const description = h("input", { name: "description", maxlength: 200 });
		const boxes = EVENT_TYPES.map((e) => h("input", { type: "checkbox", name: "event_types", value: e, id: `ev-${e.replace(".", "-")}`, checked: e !== "referral.handover" }));
		const form = h(
			"form",
			{
				id: "webhook-form",
				class: "stack",
				onsubmit: async (e) => {
					e.preventDefault();
					clearErrors(form);
					try {
						const made = await api.post("/v1/webhooks", {
							node_id: node.value,
							url: url.value.trim(),
							event_types: boxes.filter((b) => b.checked).map((b) => b.value),
							description: valueOrNull(description),
						});
						secret = made;
						selected = made.id;
						if (nodeId && nodeId !== made.node_id) return navigate(`/admin/webhooks${api.qs({ node: made.node_id, webhook: made.id })}`);
						history.replaceState(null, "", address());
						await reload(t("webhook_created"));
					} catch (err) {
						showFormError(form, err);
					}
				},
			},
			field(t("webhook_node"), node),
			field(t("webhook_url"), url, t("webhook_url_hint")),
			h(
				"fieldset",
				{ class: "checklist-set" },
				h("legend", {}, t("webhook_events")),
				boxes.map((b) => h("div", { class: "field-check" }, b, h("label", { for: b.id }, eventLabel(b.value), " ", h("code", { class: "small" }, b.value)))),
			),
			field(t("webhook_description"), description),
			h("div", { class: "form-error", role: "alert" }),
			h("button", { class: "btn btn-primary", type: "submit", id: "webhook-create" }, t("webhook_create")),
		);
		return form;
	}

	function draw(poll = 0) {
		const filter = select("node", [["", t("webhook_all_nodes")], ...sortedNodes.map((n) => [n.id, n.name])], nodeId, { id: "webhook-filter" });
		filter.addEventListener("change", () => navigate(`/admin/webhooks${api.qs({ node: filter.value })}`));
		const fresh = secret
			? h(
				"div",
				{ class: "notice notice-warn", id: "secret-shown", role: "status" },
				h("strong", {}, t("webhook_secret_once")),
				h("p", {}, h("code", { class: "secret", id: "secret-value" }, secret.secret)),
				h("button", { class: "btn btn-small", type: "button", onclick: () => navigator.clipboard?.writeText(secret.secret).then(() => announce(t("copied"))) }, t("copy")),
			)
			: null;
		secret = null;
		fill(main,
			h("p", { class: "crumbs" }, h("a", { href: "/admin", "data-link": true }, "← ", t("admin_title"))),
			h("div", { class: "page-head" }, h("div", {}, h("h1", {}, t("webhooks_title")), h("p", { class: "lead" }, t("webhooks_intro")))),
			fresh,
			h(
				"div",
				{ class: "grid-main-side" },
				h(
					"div",
					{},
					h("div", { class: "card filter-inline" }, field(t("webhook_node"), filter)),
					h(
						"section",
						{ class: "card card-flush", id: "webhook-list" },
						webhooks.length
							? h(
								"div",
								{ class: "table-scroll" },
								table(
									[
										[t("webhook_url"), (w) => h("div", {}, h("strong", { class: "break" }, w.url), w.description ? h("div", { class: "muted small" }, w.description) : null)],
										[t("webhook_node"), (w) => nodeName(w.node_id)],
										[t("webhook_events"), (w) => w.event_types.map(eventLabel).join(", ")],
										[
											t("col_status"),
											(w) =>
												h(
													"div",
													{},
													w.active ? badge(t("webhook_active"), "ok") : badge(t("webhook_inactive"), "bad"),
													w.disabled_reason ? h("div", { class: "muted small" }, w.disabled_reason) : null,
												),
										],
										["", webhookRow],
									],
									webhooks,
									{ class: "wrap", rowAttrs: (w) => ({ dataset: { id: w.id }, class: w.id === selected ? "row-selected" : null }) },
								),
							)
							: h("p", { class: "empty" }, t("webhooks_none")),
					),
					deliveriesBox,
				),
				h("section", { class: "card", "aria-labelledby": "webhook-new-h" }, h("h2", { id: "webhook-new-h" }, t("webhook_new")), registerForm()),
			),
		);
		showDeliveries(poll);
	}

	await load();
	draw();
	return { destroy: () => clearTimeout(pollTimer) };
}
