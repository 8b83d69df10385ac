#!/usr/bin/env node
// CommonJS, like the program it starts (dist/cli.cjs): `evcred --help` then never loads Node's
// ES-module loader. Commands are ES modules, loaded only when one runs.
"use strict";
const { availableParallelism } = require("node:os");

// Size libuv's pool to the machine before anything uses it: argon2 hashes run there in parallel.
// `serve` gets one thread a core (more only make verifications share cores and slow each other:
// measured, README "Performance"); the others keep a spare for the file reads of an import.
const cores = availableParallelism();
process.env.UV_THREADPOOL_SIZE ??= String(
  process.argv.includes("serve") ? cores : Math.max(4, cores),
);
require("../dist/cli.cjs")
  .run()
  .then((code) => {
    process.exitCode = code;
  });
