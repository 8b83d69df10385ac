// `npm run build`: the CLI bundled with esbuild into dist/, in two parts.
//
// - dist/cli.cjs, the program: the process host, commander and the command manifest. It is
//   CommonJS so that `evcred --help` never starts Node's ES-module loader (~10 ms, a quarter of
//   `node -e 0` on its own).
// - dist/commands/…, dist/context.js: each command as an ES module with shared chunks, loaded
//   by the program only when that command runs.
//
// Both load one copy of src/errors.ts, dist/errors.cjs (through the package's "#errors" import),
// so the program recognises the errors the commands throw. Native addons (better-sqlite3, argon2)
// stay external. Type checking is `npm run typecheck` (tsc).
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { resolve } from "node:path";

/**
 * commander loads node:child_process up front, for executable subcommands evcred never uses;
 * that costs `evcred --help` about a fifth of its start-up. Commander gets a stand-in that
 * loads the real module on first use.
 */
const lazyChildProcess = {
  name: "lazy-child-process",
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes("commander")
        ? { path: "child_process", namespace: "lazy" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "lazy" }, () => ({
      contents:
        'let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require("node:child_process"))[key] });',
      loader: "js",
    }));
  },
};

/**
 * Imports of src/errors.ts load dist/errors.cjs, built once for both parts: the program, next to
 * it, by its relative path; commands and chunks, at any depth, by the package's "#errors" import.
 */
const sharedErrors = (specifier) => ({
  name: "shared-errors",
  setup(build) {
    const errors = resolve("src/errors.js");
    build.onResolve({ filter: /\/errors\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path) === errors
        ? { path: specifier, external: true }
        : undefined,
    );
  },
});

/** The program loads the commands and their context from the ES-module build, when needed. */
const commandsOutside = {
  name: "commands-outside",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined,
    );
  },
};

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "@node-rs/argon2"],
  sourcemap: true,
  minify: process.env.NO_MINIFY !== "1",
  logLevel: "warning",
};

rmSync("dist", { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { cli: "src/cli.ts" },
    // Names of functions and classes survive minifying here (errors show theirs with --debug).
    keepNames: true,
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
    format: "cjs",
    // src/package-root.ts finds the package from its own module's URL.
    define: { "import.meta.url": "importMetaUrl" },
    inject: ["build/import-meta-url.js"],
    plugins: [lazyChildProcess, sharedErrors("./errors.cjs"), commandsOutside],
  }),
  build({
    ...common,
    entryPoints: { errors: "src/errors.ts" },
    keepNames: true,
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
    format: "cjs",
  }),
  build({
    ...common,
    // hash.ts and workspace.ts are entries too, for `npm run bench`.
    entryPoints: [
      "src/commands/**/*.ts",
      "src/context.ts",
      "src/vault/hash.ts",
      "src/store/workspace.ts",
    ],
    outdir: "dist",
    outbase: "src",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    format: "esm",
    // No keepNames: it re-labels every closure as it is created (nodemailer makes ~60 per
    // message), which cost `send` about a tenth of its speed. Error classes here name themselves.
    // Bundled CommonJS dependencies (cli-progress, some of inquirer's) call require().
    banner: {
      js: "import { createRequire as __evcredRequire } from 'node:module'; const require = __evcredRequire(import.meta.url);",
    },
    plugins: [sharedErrors("#errors")],
  }),
]);
