// Graphs drawn with cytoscape: a chain (steps and arrows, with each step's state or
// problem) and the network map. Every graph has a table or list beside it for keyboard and
// screen-reader users; the canvas itself is aria-hidden.
import cytoscape from "cytoscape";
import { t } from "./i18n.js";

// cytoscape adds a <style> element for its containers unless an element with this id
// exists; the CSP refuses inline styles, so style.css carries that rule and this marker
// tells cytoscape it is there.
const CY_STYLESHEET = "__________cytoscape_stylesheet";
if (!document.getElementById(CY_STYLESHEET)) {
	const marker = document.createElement("meta");
	marker.id = CY_STYLESHEET;
	document.head.append(marker);
}

const STATE_COLOURS = {
	open: ["#ffffff", "#7b8794"],
	referred: ["#e8f1fb", "#2f6fb3"],
	in_progress: ["#fff5de", "#b7791f"],
	done: ["#e6f4ea", "#2f855a"],
	dropped: ["#fdecec", "#c53030"],
	problem: ["#fdecec", "#c53030"],
	draft: ["#ffffff", "#1f5f7a"],
};

export const KIND_COLOURS = {
	jobcenter: "#1f5f7a",
	employment_agency: "#2b6cb0",
	social_welfare_office: "#6b46c1",
	youth_welfare_office: "#b83280",
	health_office: "#c05621",
	health_provider: "#dd6b20",
	welfare_association: "#2f855a",
	counselling_service: "#38a169",
	education_provider: "#b7791f",
	housing_provider: "#718096",
	employer: "#4a5568",
	community_centre: "#319795",
	municipality: "#553c9a",
	other: "#a0aec0",
};

// cytoscape refuses quoted family names: only names without spaces, then the generic one.
const FONT = "system-ui, -apple-system, Roboto, Cantarell, sans-serif";
// How an edge's label looks, in a chain's graph and in the network's referral flows.
const EDGE_LABEL = {
	label: "data(label)",
	"font-family": FONT,
	"font-size": 13,
	color: "#52606d",
	"text-background-color": "#ffffff",
	"text-background-opacity": 1,
};

// Labels must stay readable on the screen: no smaller than this many pixels once drawn.
const MIN_LABEL_PX = 12;
// The tallest a graph's box grows to show a large graph without shrinking its labels.
const MAX_GRAPH_PX = 900;

// cytoscape fits the graph into its box by zooming out, which shrinks the labels with it. When
// that would take the smallest label (font px at zoom 1) below MIN_LABEL_PX, grow the box to
// the graph's height (up to MAX_GRAPH_PX), and if that is not enough keep the zoom at the
// readable size and let the user drag the graph. The drawn label size is kept in
// data-label-px for tests.
function keepReadable(cy, container, fontPx) {
	const min = MIN_LABEL_PX / fontPx;
	if (cy.elements().length && cy.zoom() < min) {
		const box = cy.elements().boundingBox();
		const wanted = Math.ceil(box.h * min + 48);
		if (wanted > container.clientHeight) {
			container.style.height = `${Math.min(wanted, MAX_GRAPH_PX)}px`;
			cy.resize();
			cy.fit(undefined, 16);
		}
		if (cy.zoom() < min) {
			cy.zoom(min);
			const width = container.clientWidth;
			const x = box.w * min < width ? (width - box.w * min) / 2 - box.x1 * min : 16 - box.x1 * min;
			cy.pan({ x, y: 16 - box.y1 * min });
			cy.userPanningEnabled(true);
			container.classList.add("graph-pannable");
		}
	}
	cy.minZoom(Math.min(cy.zoom(), min));
	container.dataset.labelPx = (cy.zoom() * fontPx).toFixed(1);
}

// steps: [{key, name, state?, required?}], edges: [{from, to, label?}] with from "start".
// problems: Set of step keys to mark. Returns the cytoscape instance.
export function drawChain(container, steps, edges, { problems = new Set(), onSelect } = {}) {
	const elements = [
		{ data: { id: "start", label: t("edge_start"), bg: "#1f5f7a", border: "#1f5f7a" }, classes: "start" },
		...steps.map((s) => {
			const state = problems.has(s.key) ? "problem" : s.state || "draft";
			const [bg, border] = STATE_COLOURS[state] || STATE_COLOURS.draft;
			const stateText = s.state ? `\n${t(`step_${s.state}`)}` : "";
			return {
				data: { id: `s:${s.key}`, key: s.key, label: `${s.name}${stateText}`, bg, border },
				classes: [state, s.required === false ? "optional" : ""].join(" "),
			};
		}),
		...edges
			.filter((e) => (e.from === "start" || steps.some((s) => s.key === e.from)) && steps.some((s) => s.key === e.to))
			.map((e, i) => ({
				data: {
					id: `e${i}`,
					source: e.from === "start" ? "start" : `s:${e.from}`,
					target: `s:${e.to}`,
					label: e.label || "",
				},
			})),
	];
	const cy = cytoscape({
		container,
		elements,
		// A chain of two or three steps is not blown up to fill the box.
		maxZoom: 1.25,
		userZoomingEnabled: false,
		boxSelectionEnabled: false,
		autoungrabify: true,
		style: [
			{
				selector: "node",
				style: {
					shape: "round-rectangle",
					width: 170,
					height: 58,
					"background-color": "data(bg)",
					"border-width": 2,
					"border-color": "data(border)",
					label: "data(label)",
					"text-wrap": "wrap",
					"text-max-width": 155,
					"text-valign": "center",
					"font-family": FONT,
					"font-size": 14,
					color: "#1a202c",
				},
			},
			{ selector: "node.optional", style: { "border-style": "dashed" } },
			{ selector: "node.problem", style: { "border-width": 4 } },
			{
				selector: "node.start",
				style: {
					shape: "ellipse",
					width: 56,
					height: 56,
					"background-color": "#1f5f7a",
					"border-width": 0,
					color: "#ffffff",
					"font-size": 13,
					"font-weight": 600,
				},
			},
			{
				selector: "edge",
				style: {
					width: 2,
					"line-color": "#9aa5b1",
					"target-arrow-color": "#9aa5b1",
					"target-arrow-shape": "triangle",
					"curve-style": "bezier",
					...EDGE_LABEL,
					"text-background-padding": 2,
				},
			},
		],
		// Steps no arrow leads to start a row of their own beside "start", not above it.
		layout: {
			name: "breadthfirst",
			directed: true,
			roots: ["start", ...steps.filter((st) => !edges.some((e) => e.to === st.key)).map((st) => `s:${st.key}`)],
			spacingFactor: 1.05,
			padding: 16,
		},
	});
	keepReadable(cy, container, 13);
	// The marked steps, for tests and tools (the canvas itself says nothing to them).
	container.dataset.problems = [...problems].join(" ");
	if (onSelect) cy.on("tap", "node", (ev) => ev.target.data("key") && onSelect(ev.target.data("key")));
	return cy;
}

function rateColour(rate) {
	if (rate === null || rate === undefined) return "#a0aec0";
	// red (0) over amber (0.5) to green (1)
	const r = rate < 0.5 ? 197 : Math.round(197 - (rate - 0.5) * 2 * (197 - 47));
	const g = rate < 0.5 ? Math.round(48 + rate * 2 * (121 - 48)) : Math.round(121 + (rate - 0.5) * 2 * (133 - 121));
	const b = rate < 0.5 ? 48 : Math.round(48 + (rate - 0.5) * 2 * (90 - 48));
	return `rgb(${r},${g},${b})`;
}

// nodes: [{id, name, kind}], flows: [{from_node_id, to_node_id, referred, acceptance_rate}].
export function drawNetwork(container, nodes, flows) {
	const max = Math.max(1, ...flows.map((f) => f.referred || 0));
	const ids = new Set(nodes.map((n) => n.id));
	const cy = cytoscape({
		container,
		userZoomingEnabled: false,
		boxSelectionEnabled: false,
		elements: [
			...nodes.map((n) => ({
				data: { id: n.id, label: n.name, colour: KIND_COLOURS[n.kind] || KIND_COLOURS.other },
			})),
			...flows
				.filter((f) => ids.has(f.from_node_id) && ids.has(f.to_node_id))
				.map((f, i) => ({
					data: {
						id: `f${i}`,
						source: f.from_node_id,
						target: f.to_node_id,
						width: 1.5 + (8 * (f.referred || 0)) / max,
						colour: rateColour(f.acceptance_rate),
						label: String(f.referred ?? ""),
					},
				})),
		],
		style: [
			{
				selector: "node",
				style: {
					width: 26,
					height: 26,
					"background-color": "data(colour)",
					label: "data(label)",
					"font-family": FONT,
					"font-size": 13,
					"text-wrap": "wrap",
					"text-max-width": 140,
					"text-valign": "bottom",
					"text-margin-y": 4,
					color: "#1a202c",
				},
			},
			{
				selector: "edge",
				style: {
					width: "data(width)",
					"line-color": "data(colour)",
					"target-arrow-color": "data(colour)",
					"target-arrow-shape": "triangle",
					"curve-style": "bezier",
					opacity: 0.85,
					...EDGE_LABEL,
				},
			},
		],
		// A circle keeps every name readable; grouped by kind, so colours sit together.
		layout: {
			name: "circle",
			padding: 40,
			avoidOverlap: true,
			spacingFactor: 1.1,
			sort: (a, b) => a.data("colour").localeCompare(b.data("colour")) || a.data("label").localeCompare(b.data("label")),
		},
	});
	keepReadable(cy, container, 13);
	return cy;
}
