// The web app's build: plain ES modules bundled by Vite into dist/ (served by pnetd at /).
// Hashed file names under dist/assets/ let pnetd cache them for a year.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { defineConfig } from "vite";

// Every file under dir, as URL paths ("/assets/index-3f2a9c.js").
function filesUnder(dir, root = dir) {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const path = join(dir, e.name);
		if (e.name.startsWith(".")) return []; // pnetd serves no dotfiles
		return e.isDirectory() ? filesUnder(path, root) : ["/" + relative(root, path).split(sep).join("/")];
	});
}

// dist/sw.js: src/sw.js with the list of the built files it keeps (the app shell) and a
// version that changes with any of them, so that a new build installs a new worker.
function serviceWorker() {
	let outDir;
	return {
		name: "pnet-service-worker",
		apply: "build",
		configResolved(config) {
			outDir = config.build.outDir.startsWith("/") ? config.build.outDir : join(config.root, config.build.outDir);
		},
		closeBundle() {
			const shell = filesUnder(outDir).filter((p) => p !== "/sw.js").sort();
			const hash = createHash("sha256");
			for (const path of shell) hash.update(path).update(readFileSync(join(outDir, path)));
			const source = readFileSync(new URL("./src/sw.js", import.meta.url), "utf8");
			const head = `const VERSION = ${JSON.stringify(hash.digest("hex").slice(0, 16))};\nconst SHELL = ${JSON.stringify(shell)};\n`;
			writeFileSync(join(outDir, "sw.js"), head + source);
		},
	};
}

export default defineConfig({
	base: "/",
	plugins: [serviceWorker()],
	build: {
		outDir: "dist",
		emptyOutDir: true,
		// No data: or inline scripts: the Content-Security-Policy allows only 'self'.
		assetsInlineLimit: 0,
		modulePreload: { polyfill: false },
		chunkSizeWarningLimit: 1500,
		sourcemap: false,
	},
	server: { proxy: { "/v1": "http://127.0.0.1:8080" } },
});
