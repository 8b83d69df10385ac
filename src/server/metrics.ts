/**
 * `GET /metrics` in Prometheus text format: counts only, never an email or a code. Logins and
 * deliveries come from the workspace; the login duration histogram is this process's.
 */
import type { FastifyPluginAsync } from "fastify";
import { deliveryCounts, loginCounts } from "../domain/metrics.js";
import type { Workspace } from "../store/workspace.js";

/** Upper bounds in seconds: one argon2 verification is tens of milliseconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The login duration histogram: every attempt the API answered, whatever its outcome. */
export class LoginMetrics {
  readonly #buckets = BUCKETS.map(() => 0);
  #count = 0;
  #sum = 0;

  observe(seconds: number): void {
    this.#count++;
    this.#sum += seconds;
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.#buckets[i] = (this.#buckets[i] ?? 0) + 1;
    });
  }

  render(): string[] {
    const name = "evcred_login_duration_seconds";
    return [
      `# HELP ${name} Time to answer a login attempt (argon2 included).`,
      `# TYPE ${name} histogram`,
      ...BUCKETS.map((bound, i) => `${name}_bucket{le="${bound}"} ${this.#buckets[i] ?? 0}`),
      `${name}_bucket{le="+Inf"} ${this.#count}`,
      `${name}_sum ${this.#sum}`,
      `${name}_count ${this.#count}`,
    ];
  }
}

export const metrics: FastifyPluginAsync<{ ws: Workspace; logins: LoginMetrics }> = (
  app,
  { ws, logins },
) => {
  app.get("/metrics", { schema: {} }, async (_request, reply) => {
    const lines = [
      "# HELP evcred_logins_total Login attempts recorded in the workspace, by event and outcome.",
      "# TYPE evcred_logins_total counter",
      ...(await loginCounts(ws)).map(
        (c) =>
          `evcred_logins_total{event="${label(c.event)}",outcome="${label(c.outcome)}"} ${c.count}`,
      ),
      "# HELP evcred_deliveries_total Credential emails in the workspace, by event and status.",
      "# TYPE evcred_deliveries_total counter",
      ...(await deliveryCounts(ws)).map(
        (c) =>
          `evcred_deliveries_total{event="${label(c.event)}",status="${label(c.status)}"} ${c.count}`,
      ),
      ...logins.render(),
    ];
    return reply
      .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
      .header("cache-control", "no-store")
      .send(lines.join("\n") + "\n");
  });
  return Promise.resolve();
};

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
