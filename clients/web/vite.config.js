// The web app's build: plain ES modules bundled by Vite into dist/ (served by pnetd at /).
// Hashed file names under dist/assets/ let pnetd cache them for a year.
import { defineConfig } from "vite";

export default defineConfig({
	base: "/",
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
