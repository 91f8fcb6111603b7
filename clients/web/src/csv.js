// CSV files that a spreadsheet set to German (Excel in Germany) opens as columns: semicolons,
// line ends CR LF, a UTF-8 byte-order mark, decimal commas; text that a spreadsheet would run
// as a formula gets a leading apostrophe. The statistics exports of the API have the same form
// (?format=excel); lists the app holds itself (members, overdue, audit) are written here.
import { download } from "./dom.js";

const BOM = "\ufeff";

function cell(value) {
	if (value === null || value === undefined) return "";
	if (typeof value === "number") return String(value).replace(".", ",");
	let s = String(value);
	const formula = /^[=+\-@\t\r]/.test(s);
	if (formula) s = `'${s}`;
	return formula || /[";\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

// columns: [[header, row -> value], ...]; a value that is a DOM node counts as its text.
export function excelCsv(columns, rows) {
	const text = (v) => (v instanceof Node ? v.textContent : v);
	const lines = [
		columns.map(([head]) => cell(head)).join(";"),
		...rows.map((r) => columns.map(([, f]) => cell(text(f(r)))).join(";")),
	];
	return BOM + lines.join("\r\n") + "\r\n";
}

export function downloadCsv(filename, columns, rows) {
	download(filename, excelCsv(columns, rows), "text/csv;charset=utf-8");
}
