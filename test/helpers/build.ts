/** Vitest global setup: the end-to-end tests run bin/evcred.cjs, so dist/ must be this source's. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["build.config.js"], { cwd: root, stdio: "inherit" });
}
