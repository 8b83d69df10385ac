/** A real `serve` in-process: the Fastify app listening on 127.0.0.1, on a bench's workspace. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { AddressInfo } from "node:net";
import { SelfServiceResend } from "../../src/app/self-service-resend.js";
import { openReadyTransport, parseMailSettings } from "../../src/mail/settings.js";
import { buildServer } from "../../src/server/app.js";
import type { Workspace } from "../../src/store/workspace.js";
import { hashParamsFrom } from "../../src/vault/hash.js";
import { BIN } from "./spawn.js";
import type { TestBench } from "./workspace.js";
import type { TemplatesDir } from "../../src/mail/templates-dir.js";

export interface RunningServer {
  url: string;
  ws: Workspace;
  /** Every line of the access log. */
  log: string[];
  /** Resolves once the forgot page's messages in flight are sent and recorded. */
  drainMail(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(
  bench: TestBench,
  options: {
    trustProxy?: boolean;
    publicUrl?: string;
    pagePostsPerMinute?: number;
    /** Forgot my code sends here (else to the bench's outbox). */
    smtpUrl?: string;
    /** The workspace's own templates (else `templates/` beside the bench's workspace). */
    templatesDir?: TemplatesDir;
  } = {},
): Promise<RunningServer> {
  const ws = await bench.open();
  const templatesDir = options.templatesDir ?? bench.templatesDir;
  const log: string[] = [];
  let url = "";
  const env = { ...bench.env, EVCRED_SMTP_URL: options.smtpUrl, EVCRED_SMTP_RETRY_MS: "20" };
  const selfService = new SelfServiceResend({
    ws,
    templatesDir,
    now: () => new Date(),
    openTransport: () =>
      openReadyTransport(parseMailSettings(env, (p) => bench.path(p), { insecureSmtp: false })),
    retry: { attempts: 2, baseDelayMs: 20 },
    publicUrl: () => options.publicUrl ?? url,
    onProblem: (line) => log.push(`${line}\n`),
  });
  const app = buildServer({
    ws,
    templatesDir,
    now: () => new Date(),
    hashParams: hashParamsFrom(bench.env),
    publicUrl: () => options.publicUrl ?? url,
    log: { write: (chunk: string) => log.push(chunk) },
    trustProxy: options.trustProxy ?? false,
    pagePostsPerMinute: options.pagePostsPerMinute,
    selfService,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    ws,
    log,
    drainMail: () => selfService.drain(),
    async close() {
      await app.close();
      void ws.close();
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

export interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const spawned: ChildProcessWithoutNullStreams[] = [];

/** `bin/evcred.cjs serve --port 0` as a child process, resolved once it says where it listens. */
export function spawnServe(
  bench: TestBench,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    cwd: bench.dir,
    env: { PATH: process.env.PATH, ...bench.env, ...env },
  });
  spawned.push(child);
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const url = /listening on (http:\/\/\S+)\n/.exec(stderr)?.[1];
      if (url) resolve({ child, url, stderr: () => stderr, exited });
    });
    void exited.then((code) => {
      reject(new Error(`serve exited ${code}: ${stderr}`));
    });
  });
}

/** Ends every server `spawnServe` started that is still running (afterEach). */
export function killServes(): void {
  for (const child of spawned.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
}

export interface PageAnswer {
  status: number;
  headers: Headers;
  html: string;
  /** The form's CSRF proof, when the page has a form. */
  csrf: string | undefined;
  /** `evcred_csrf=…` as the answer set it, for the next request's `Cookie`. */
  cookie: string | undefined;
}

async function pageAnswer(response: Response): Promise<PageAnswer> {
  const html = await response.text();
  const set = response.headers.get("set-cookie") ?? "";
  return {
    status: response.status,
    headers: response.headers,
    html,
    csrf: /name="csrf" value="([^"]*)"/.exec(html)?.[1],
    cookie: /^(evcred_csrf=[^;]+)/.exec(set)?.[1],
  };
}

/** GETs an attendee page, with the browser's cookie when given. */
export async function getPage(url: string, path: string, cookie?: string): Promise<PageAnswer> {
  return pageAnswer(
    await fetch(`${url}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" }),
  );
}

/** POSTs a form (URL-encoded) to an attendee page, as a browser would, without following. */
export async function postForm(
  url: string,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<PageAnswer> {
  return pageAnswer(
    await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    }),
  );
}
