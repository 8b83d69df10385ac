#!/usr/bin/env node
// CommonJS, like the program it starts (dist/cli.cjs): `evcred --help` then never loads Node's
// ES-module loader. Commands are ES modules, loaded only when one runs.
"use strict";
const { availableParallelism } = require("node:os");

// Size libuv's pool to the machine before anything uses it: argon2 hashes run there in parallel.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
require("../dist/cli.cjs")
  .run()
  .then((code) => {
    process.exitCode = code;
  });
