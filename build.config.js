// `npm run build`: the CLI bundled with esbuild into dist/, in two parts.
//
// - dist/cli.cjs, the program: the process host, commander and the command manifest. It is
//   CommonJS so that `evcred --help` never starts Node's ES-module loader (~10 ms, a quarter of
//   `node -e 0` on its own).
// - dist/commands/…, dist/context.js: each command as an ES module with shared chunks, loaded
//   by the program only when that command runs.
//
// Both load one copy of src/errors.ts, dist/errors.cjs (through the package's "#errors" import),
// and one of src/domain/errors.ts, dist/domain-errors.cjs ("#domain-errors"), so the program
// recognises the errors the commands throw: with a copy each, main.ts's `instanceof DomainError`
// matched no refusal of a command (exit 1 and "rerun with --debug" instead of the flag and exit 2). Native addons (better-sqlite3, argon2)
// stay external. Type checking is `npm run typecheck` (tsc).
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
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
 * Imports of src/errors.ts and src/domain/errors.ts load dist/errors.cjs and
 * dist/domain-errors.cjs, each built once for both parts: the program, next to it, by its
 * relative path; commands and chunks, at any depth, by the package's "#errors" and
 * "#domain-errors" imports.
 */
const SHARED = [
  { source: resolve("src/errors.js"), file: "./errors.cjs", specifier: "#errors" },
  {
    source: resolve("src/domain/errors.js"),
    file: "./domain-errors.cjs",
    specifier: "#domain-errors",
  },
];
const sharedErrors = (by) => ({
  name: "shared-errors",
  setup(build) {
    build.onResolve({ filter: /\/errors\.js$/ }, (args) => {
      const shared = SHARED.find((s) => s.source === resolve(args.resolveDir, args.path));
      return shared ? { path: shared[by], external: true } : undefined;
    });
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
    define: { "import.meta": "importMeta" },
    inject: ["build/import-meta-url.js"],
    plugins: [lazyChildProcess, sharedErrors("file"), commandsOutside],
  }),
  build({
    ...common,
    entryPoints: { errors: "src/errors.ts", "domain-errors": "src/domain/errors.ts" },
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
    plugins: [sharedErrors("specifier")],
  }),
]);

/**
 * The program's V8 code cache (see bin/evcred.cjs): made by running `evcred --help` once, so it
 * holds the functions start-up and help compile. The program must not import() itself: its
 * functions, from a cache, could not.
 */
if (/\bimport\(/.test(readFileSync("dist/cli.cjs", "utf8")))
  throw new Error("dist/cli.cjs calls import(): load modules through Host.importModule");
const cached = spawnSync(process.execPath, ["bin/evcred.cjs", "--help"], {
  env: { ...process.env, EVCRED_WRITE_CODE_CACHE: "1" },
  stdio: ["ignore", "ignore", "inherit"],
});
if (cached.status !== 0 || !existsSync("dist/cli.cjs.v8cache"))
  throw new Error(`making dist/cli.cjs.v8cache failed (exit ${cached.status})`);
