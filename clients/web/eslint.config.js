// The web app's lint: ESLint's recommended rules for browser ES modules, plus the layout
// .editorconfig asks for (tabs), so that a review need not look at either.
import js from "@eslint/js";
import globals from "globals";

export default [
	{ ignores: ["dist/", "node_modules/"] },
	js.configs.recommended,
	{
		files: ["**/*.js"],
		languageOptions: {
			ecmaVersion: 2022,
			sourceType: "module",
			globals: { ...globals.browser },
		},
		rules: {
			indent: ["error", "tab", { SwitchCase: 1 }],
			"no-mixed-spaces-and-tabs": "error",
			"no-trailing-spaces": "error",
			"eol-last": "error",
			"no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
			eqeqeq: ["error", "smart"],
			"prefer-const": "error",
			"no-var": "error",
		},
	},
	// The service worker runs in its own scope; the build puts VERSION and SHELL in front.
	{
		files: ["src/sw.js"],
		languageOptions: {
			sourceType: "script",
			globals: { ...globals.serviceworker, VERSION: "readonly", SHELL: "readonly" },
		},
	},
];
