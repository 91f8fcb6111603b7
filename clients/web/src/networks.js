// The network a coordinator or admin works on. Admins may work on every network, coordinators
// on theirs; with more than one, a chooser under the navigation picks it, and the choice is
// kept for this tab (sessionStorage) while they move between pages.
import * as api from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const CHOICE_KEY = "pnet.network";

// The pages that show one network's things: the chooser is shown there.
const NETWORK_PAGES = /^\/(network|chains|map|funnel|agreements|overdue)(\/|$)/;

let listCache = null;

// The networks me may work on, by name.
export async function networksOf(me) {
	if (!listCache) {
		listCache = api.all("/v1/networks");
		listCache.catch(() => (listCache = null));
	}
	const all = await listCache;
	if (me.role === "admin") return all;
	const ids = me.network_ids || [];
	return all.filter((n) => ids.includes(n.id));
}

// After a network was renamed or created: read the list again.
export function forgetNetworks() {
	listCache = null;
}

// The chosen network (the first one until one is chosen), or null when there is none.
export async function chosenNetwork(me) {
	const mine = await networksOf(me);
	const id = sessionStorage.getItem(CHOICE_KEY);
	return mine.find((n) => n.id === id) || mine[0] || null;
}

export function chooseNetwork(id) {
	sessionStorage.setItem(CHOICE_KEY, id);
}

export function forgetChoice() {
	sessionStorage.removeItem(CHOICE_KEY);
}

// The chooser for the header: empty until the networks are known, hidden with fewer than two.
// changed(path?) is called after a choice: with a path to go to (a chain page belongs to the
// network it was opened in), or without to show the same page for the new network; it
// returns false when the user stays where they are (unsaved edits).
export function networkChooser(me, path, changed) {
	const bar = h("div", { class: "network-bar", id: "network-bar", hidden: true });
	if ((me.role !== "admin" && me.role !== "coordinator") || !NETWORK_PAGES.test(path)) return bar;
	Promise.all([networksOf(me), chosenNetwork(me)])
		.then(([mine, chosen]) => {
			if (mine.length < 2) return;
			const select = h(
				"select",
				{ id: "network-choice", name: "network" },
				mine.map((n) => h("option", { value: n.id, selected: chosen && n.id === chosen.id }, n.name)),
			);
			select.addEventListener("change", () => {
				const before = chosen && chosen.id;
				chooseNetwork(select.value);
				if (!changed(path.startsWith("/chains/") ? "/chains" : undefined) && before) {
					chooseNetwork(before);
					select.value = before;
				}
			});
			bar.append(
				h("div", { class: "network-bar-inner" }, h("label", { for: "network-choice" }, t("network_choice")), select),
			);
			bar.hidden = false;
		})
		.catch(() => {
			/* without the list there is nothing to choose: the page says what went wrong */
		});
	return bar;
}
