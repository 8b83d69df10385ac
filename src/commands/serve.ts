import * as z from "zod";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import type { MailSettings } from "../mail/settings.js";
import type { Workspace } from "../store/workspace.js";
import { assertTemplatesDir } from "../mail/templates.js";
import { hashParamsFrom } from "../vault/hash.js";
import { defineCommand, examples } from "./command.js";
import { mailSettings, readyTransport } from "./mail-delivery.js";
import { CampaignRunFlags, campaignRunFlags, intFlag, parseOptions, urlFlag } from "./options.js";

const Options = z.object({
  host: z.string().trim().min(1, "expected a host name or address"),
  port: intFlag(0, 65_535),
  publicUrl: urlFlag.optional(),
  trustProxy: z.boolean(),
  ...CampaignRunFlags,
});

export default defineCommand({
  configure(command) {
    command
      .option("--host <host>", "address to listen on (env EVCRED_HOST)", undefined)
      .option("--port <port>", "port to listen on, 0 for any free one (env EVCRED_PORT)")
      .option(
        "--public-url <url>",
        "where the service is reached from outside: the tokens' issuer (env EVCRED_PUBLIC_URL; default http://HOST:PORT)",
      )
      .option(
        "--trust-proxy",
        "read the client's address from X-Forwarded-For (behind a reverse proxy)",
        false,
      );
    campaignRunFlags(command).addHelpText(
      "after",
      examples(
        "evcred serve",
        "evcred serve --host 0.0.0.0 --port 8080 --public-url https://login.summit.example --trust-proxy",
      ) +
        "\nEndpoints: POST /api/v1/events/SLUG/logins (venue key), GET /.well-known/jwks.json,\n" +
        "GET /healthz, GET /metrics. Due campaigns run at start and every minute, with the mail\n" +
        "settings of `evcred send` (EVCRED_SMTP_URL, else the outbox). Stops on SIGTERM or\n" +
        "Ctrl-C after the requests in flight and the messages being sent.\n",
    );
  },
  async run(ctx, _args, raw) {
    const options = parseServeOptions(raw, ctx.env);
    const hashParams = hashParamsFrom(ctx.env);
    // A bad SMTP URL fails now, not at the first due campaign.
    const mail = mailSettings(ctx, options);
    const ws = await ctx.workspace();
    // Fail before listening when the key is wrong or missing, not at the first login; and when
    // EVCRED_TEMPLATES names no folder, not at the first page.
    await ws.vault();
    assertTemplatesDir(ctx.templatesDir);
    const [{ buildServer }, { SelfServiceResend }] = await Promise.all([
      import("../server/app.js"),
      import("../app/self-service-resend.js"),
    ]);
    let publicUrl = options.publicUrl?.replace(/\/+$/, "");
    // Forgot my code sends as `send` does: EVCRED_SMTP_URL, else the outbox.
    const selfService = new SelfServiceResend({
      ws,
      templatesDir: ctx.templatesDir,
      now: () => ctx.now(),
      openTransport: () => readyTransport(ctx, mail),
      retry: mail.retry,
      publicUrl: () => publicUrl ?? "",
      onProblem: (line) => ctx.io.stderr.write(`${line}\n`),
    });
    const app = buildServer({
      ws,
      templatesDir: ctx.templatesDir,
      now: () => ctx.now(),
      hashParams,
      publicUrl: () => publicUrl ?? "",
      log: ctx.io.stderr,
      trustProxy: options.trustProxy,
      selfService,
    });
    const stop = ctx.takeInterrupts();
    try {
      await app.listen({ host: options.host, port: options.port });
    } catch (error) {
      throw new UsageError(
        `cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`,
        { hint: "choose another --port (or EVCRED_PORT), or stop what is using it" },
      );
    }
    const listening = listeningUrl(app.server.address(), options.host);
    publicUrl ??= listening;
    if (publicUrl !== listening) ctx.io.stderr.write(`public URL ${publicUrl}\n`);
    // Last of the start-up lines: what scripts and tests wait for.
    ctx.io.stderr.write(`listening on ${listening}\n`);
    const campaigns = await startCampaigns(ctx, ws, mail, {
      ...options,
      publicUrl: () => publicUrl,
    });
    await new Promise<void>((resolve) => {
      if (stop.aborted) resolve();
      else
        stop.addEventListener(
          "abort",
          () => {
            resolve();
          },
          { once: true },
        );
    });
    ctx.io.stderr.write("stopping: finishing the requests in flight\n");
    await Promise.all([app.close(), campaigns.stop()]);
    ctx.io.stderr.write("stopped\n");
  },
});

/** Due campaigns, run beside the listener: each tick's outcome is a line of the log. */
async function startCampaigns(
  ctx: Context,
  ws: Workspace,
  mail: MailSettings,
  options: { maxLate?: number | undefined; publicUrl: () => string | undefined },
) {
  const [{ startCampaignTicker }, { DEFAULT_MAX_LATE_MS }, { campaignReportLine }] =
    await Promise.all([
      import("../app/campaign-ticker.js"),
      import("../app/run-due-campaigns.js"),
      import("../render/campaigns.js"),
    ]);
  return startCampaignTicker(ws, {
    now: () => ctx.now(),
    templatesDir: ctx.templatesDir,
    mail,
    maxLateMs: options.maxLate ?? DEFAULT_MAX_LATE_MS,
    actor: `${ctx.actor} (serve)`,
    publicUrl: options.publicUrl,
    onReports: (reports) => {
      for (const r of reports) {
        ctx.io.stderr.write(`${campaignReportLine(r)}\n`);
        // Refused for good: named, as run-due names them; the campaign does not try them again.
        for (const f of r.failed)
          ctx.io.stderr.write(`campaign ${r.id}: ${f.email}: ${f.response}\n`);
      }
    },
    onError: (error) => {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.io.stderr.write(
        `campaigns: could not run the due ones (${reason}); trying again in a minute\n`,
      );
    },
  });
}

function parseServeOptions(raw: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const fromEnv = (flag: unknown, name: string): { value: unknown; source: string } =>
    flag !== undefined
      ? { value: flag, source: "" }
      : { value: env[name] || undefined, source: name };
  const host = fromEnv(raw.host, "EVCRED_HOST");
  const port = fromEnv(raw.port, "EVCRED_PORT");
  const publicUrl = fromEnv(raw.publicUrl, "EVCRED_PUBLIC_URL");
  try {
    return parseOptions(Options, {
      host: host.value ?? "127.0.0.1",
      port: port.value ?? "8787",
      publicUrl: publicUrl.value,
      trustProxy: raw.trustProxy === true,
      maxLate: raw.maxLate,
      insecureSmtp: raw.insecureSmtp === true,
    });
  } catch (error) {
    // A value that came from the environment is named as such, not as a flag nobody typed.
    if (error instanceof UsageError) {
      for (const [flag, from] of [
        ["--host", host],
        ["--port", port],
        ["--public-url", publicUrl],
      ] as const) {
        if (from.source && error.message.startsWith(`${flag}:`)) {
          throw new UsageError(error.message.replace(flag, from.source));
        }
      }
    }
    throw error;
  }
}

function listeningUrl(
  address: ReturnType<import("node:net").Server["address"]>,
  host: string,
): string {
  if (address === null || typeof address === "string") return `http://${host}`;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${shown}:${address.port}`;
}
