// `npm run build`: the CLI bundled with esbuild into dist/. One file per entry and shared chunks
// load far faster than the hundreds of small modules of drizzle, zod and friends, and each
// command's code stays in its own chunk, loaded only when that command runs. Native addons
// (better-sqlite3, argon2) stay external. Type checking is `npm run typecheck` (tsc).
import { build } from "esbuild";
import { rmSync } from "node:fs";

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

rmSync("dist", { recursive: true, force: true });
await build({
  // cli.ts is the program; hash.ts and workspace.ts are also entries for `npm run bench`.
  entryPoints: ["src/cli.ts", "src/vault/hash.ts", "src/store/workspace.ts"],
  outdir: "dist",
  outbase: "src",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "@node-rs/argon2"],
  sourcemap: true,
  minify: true,
  // Error classes are told apart by name (inquirer's ExitPromptError): keep them.
  keepNames: true,
  // Bundled CommonJS dependencies (commander, cli-progress) call require().
  banner: {
    js: "import { createRequire as __evcredRequire } from 'node:module'; const require = __evcredRequire(import.meta.url);",
  },
  plugins: [lazyChildProcess],
  logLevel: "warning",
});
