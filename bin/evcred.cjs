#!/usr/bin/env node
// CommonJS, like the program it starts (dist/cli.cjs): `evcred --help` then never loads Node's
// ES-module loader. Commands are ES modules, loaded only when one runs.
"use strict";
const { readFileSync } = require("node:fs");
const { availableParallelism } = require("node:os");
const { dirname, join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { Script } = require("node:vm");
// The CommonJS loader's Module class: require("node:module") would start the ES-module loader.
const Module = module.constructor;

// Size libuv's pool to the machine before anything uses it: argon2 hashes run there in parallel.
// `serve` gets one thread a core (more only make verifications share cores and slow each other:
// measured, README "Performance"); the others keep a spare for the file reads of an import.
const cores = availableParallelism();
process.env.UV_THREADPOOL_SIZE ??= String(
  process.argv.includes("serve") ? cores : Math.max(4, cores),
);

const PROGRAM = join(__dirname, "..", "dist", "cli.cjs");
const CODE_CACHE = `${PROGRAM}.v8cache`;

/**
 * dist/cli.cjs, loaded as `require` would, but compiled with the V8 code cache `npm run build`
 * made by running `--help` once (dist/cli.cjs.v8cache): compiling the program and its
 * commander was about a third of `evcred --help`'s time over `node -e 0` (README "Performance").
 * A cache this Node cannot use (another version, other flags) is rejected by V8, and the
 * program compiles as without one.
 */
function loadProgram() {
  let cachedData;
  try {
    cachedData = readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined; // not built, or not readable: compile from source
  }
  const script = new Script(Module.wrap(readFileSync(PROGRAM, "utf8")), {
    filename: PROGRAM,
    cachedData,
  });
  const program = new Module(PROGRAM, module);
  program.filename = PROGRAM;
  program.paths = Module._nodeModulePaths(dirname(PROGRAM));
  Module._cache[PROGRAM] = program; // as require() would: one program, however it is reached
  const compiled = script.runInThisContext();
  compiled.call(
    program.exports,
    program.exports,
    Module.createRequire(PROGRAM),
    program,
    PROGRAM,
    dirname(PROGRAM),
  );
  program.loaded = true;
  return { exports: program.exports, script };
}

// The program's own import()s would be lost with the cache: it asks this file to load its
// commands, by paths relative to dist/cli.cjs.
const base = pathToFileURL(PROGRAM);
const importModule = (specifier) => import(new URL(specifier, base).href);

const { exports: program, script } = loadProgram();
if (process.env.EVCRED_WRITE_CODE_CACHE === "1") {
  // `npm run build` (build.config.js): the cache holds what this run compiled.
  process.once("exit", () => {
    require("node:fs").writeFileSync(CODE_CACHE, script.createCachedData());
  });
}
program.run(importModule).then((code) => {
  process.exitCode = code;
});
