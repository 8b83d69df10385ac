/** A real `serve` in-process: the Fastify app listening on 127.0.0.1, on a bench's workspace. */
import type { AddressInfo } from "node:net";
import { buildServer } from "../../src/server/app.js";
import type { Workspace } from "../../src/store/workspace.js";
import { hashParamsFrom } from "../../src/vault/hash.js";
import type { TestBench } from "./workspace.js";

export interface RunningServer {
  url: string;
  ws: Workspace;
  /** Every line of the access log. */
  log: string[];
  close(): Promise<void>;
}

export async function startServer(
  bench: TestBench,
  options: { trustProxy?: boolean; publicUrl?: string } = {},
): Promise<RunningServer> {
  const ws = bench.open();
  const log: string[] = [];
  let url = "";
  const app = buildServer({
    ws,
    now: () => new Date(),
    hashParams: hashParamsFrom(bench.env),
    publicUrl: () => options.publicUrl ?? url,
    log: { write: (chunk: string) => log.push(chunk) },
    trustProxy: options.trustProxy ?? false,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    ws,
    log,
    async close() {
      await app.close();
      ws.close();
    },
  };
}

/** POSTs a login to the venue API. */
export async function postLogin(
  url: string,
  slug: string,
  key: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/api/v1/events/${slug}/logins`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
