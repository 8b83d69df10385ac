#!/usr/bin/env node
// Size libuv's pool to the machine before anything uses it: argon2 hashes run there in parallel.
import { availableParallelism } from "node:os";

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
const { run } = await import("../dist/cli.js");
process.exitCode = await run();
