import { existsSync } from "node:fs";
import type { Context } from "../context.js";
import { listEvents } from "../domain/events.js";
import { listLinks } from "../domain/links.js";
import { ExitCode } from "../errors.js";
import { senderFor } from "../mail/deliver.js";
import { openTransport } from "../mail/settings.js";
import {
  assertCredentialTemplate,
  assertTemplatesDir,
  listTemplates,
  loadTemplate,
} from "../mail/templates.js";
import { TransportError, type MailTransport } from "../mail/transport.js";
import type { EventRow } from "../store/schema.js";
import { isPostgresUrl } from "../store/postgres/url.js";
import { checkPostgres, modeOf, type Attempt } from "./doctor-postgres.js";
import type { Workspace } from "../store/workspace.js";
import { masterKeyPath } from "../vault/master-key.js";
import { defineCommand, examples } from "./command.js";
import { cliError } from "./domain-errors.js";
import { mailSettings, smtpPassword } from "./mail-delivery.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string | undefined;
}

export default defineCommand({
  configure(command) {
    command
      .option("--insecure-smtp", "send a password and credential mail to another host without TLS")
      .addHelpText(
        "after",
        examples(
          "evcred doctor",
          "EVCRED_SMTP_URL=smtp://user:pass@mail.example.com:587 evcred doctor --json",
        ),
      );
  },
  async run(ctx, _args, raw) {
    const checks: Check[] = [];
    const attempt: Attempt = async (name, fn, fix) => {
      try {
        checks.push({ name, ok: true, detail: await fn() });
        return true;
      } catch (thrown) {
        const error = cliError(thrown);
        const hint =
          error instanceof Error && "hint" in error && typeof error.hint === "string"
            ? error.hint
            : fix;
        checks.push({
          name,
          ok: false,
          detail: error instanceof Error ? error.message : String(error),
          fix: hint,
        });
        return false;
      }
    };
    let ws: Workspace | undefined;
    const keyFix = `keep it at ${masterKeyPath(ctx.env)} with mode 0600, or set EVCRED_KEY_FILE`;
    const db = ctx.options.db;
    if (db !== undefined && isPostgresUrl(db)) {
      // Its events are read only from a schema that is this build's: doctor migrates nothing.
      if (await checkPostgres(ctx, db, attempt, keyFix)) ws = await ctx.workspace();
    } else {
      await attempt("workspace", async () => {
        ws = await ctx.workspace();
        const damage = await ws.store.damage();
        if (damage !== undefined) throw new Error(`${ws.path} is damaged: ${damage}`);
        return `${ws.path} (${modeOf(ws.path)})`;
      });
      await attempt(
        "master key",
        async () => {
          if (!ws) throw new Error("not checked: the workspace did not open");
          const vault = await ws.vault();
          return `${vault.keyPath} (id ${vault.keyId}, ${modeOf(vault.keyPath)})`;
        },
        keyFix,
      );
    }
    const { templatesDir } = ctx;
    const folderOk = await attempt("templates folder", () => {
      assertTemplatesDir(templatesDir);
      const where =
        templatesDir.setting ??
        (db !== undefined && isPostgresUrl(db)
          ? "in the working directory"
          : "beside the workspace");
      return existsSync(templatesDir.path)
        ? `${templatesDir.path} (${where}, ${modeOf(templatesDir.path)})`
        : `${templatesDir.path} (${where}; not made yet: evcred template new NAME makes it)`;
    });
    // A folder EVCRED_TEMPLATES names but that is not there: the built-ins alone, checked.
    const templates = listTemplates(
      folderOk ? templatesDir : { ...templatesDir, setting: undefined },
    );
    // Known without parsing the settings: a malformed one is the mail transport's check below.
    const kind = ctx.env.EVCRED_SMTP_URL ? "smtp" : "outbox";
    if (ws) await checkEvents(ws, new Set(templates.map((t) => t.name)), kind, checks);
    for (const info of templates) {
      await attempt(`template ${info.name}`, () => {
        const template = loadTemplate(templatesDir, info.name);
        assertCredentialTemplate(template);
        return `${info.origin}, carries the email and the code`;
      });
    }
    await attempt(
      "mail transport",
      async () => {
        const settings = mailSettings(ctx, { insecureSmtp: raw.insecureSmtp === true });
        const transport = openTransport(settings, await smtpPassword(ctx, settings));
        try {
          await transport.verify();
          return `${transport.description}: ready`;
        } catch (error) {
          const reason = error instanceof TransportError ? error.response : String(error);
          throw new Error(`${transport.description}: ${reason}`, { cause: error });
        } finally {
          transport.close();
        }
      },
      "check EVCRED_SMTP_URL (host, port, user, password) or unset it to use the outbox folder",
    );
    render(ctx, checks);
    return checks.every((c) => c.ok) ? ExitCode.ok : ExitCode.failed;
  },
});

async function checkEvents(
  ws: Workspace,
  templateNames: ReadonlySet<string>,
  kind: MailTransport["kind"],
  checks: Check[],
): Promise<void> {
  const events = await listEvents(ws);
  checks.push({
    name: "events",
    ok: true,
    detail: events.length ? events.map((e) => e.slug).join(", ") : "none yet",
  });
  for (const event of events) {
    checks.push(senderCheck(event, kind));
    for (const link of await listLinks(ws, event)) {
      const known = templateNames.has(link.template);
      checks.push({
        name: `link ${event.slug}/${link.action}`,
        ok: known,
        detail: known ? `→ ${link.template}` : `→ ${link.template}, which does not exist`,
        fix: known
          ? undefined
          : `evcred template link ${link.action} credentials --event ${event.slug}`,
      });
    }
  }
}

/** The event's `From`, as a send through this transport would need it. */
function senderCheck(event: EventRow, kind: MailTransport["kind"]): Check {
  const name = `sender ${event.slug}`;
  const fix = `evcred event update ${event.slug} --from "Team <team@example.com>"`;
  try {
    const from = senderFor(event, kind);
    return event.fromAddress
      ? { name, ok: true, detail: from }
      : { name, ok: true, detail: `none: the outbox uses ${from}; SMTP will need one (${fix})` };
  } catch (error) {
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error), fix };
  }
}

function render(ctx: Context, checks: Check[]): void {
  ctx.out.result({ ok: checks.every((c) => c.ok), checks }, () =>
    checks
      .map((c) => {
        const mark = c.ok ? ctx.theme.ok("✔") : ctx.theme.error("✖");
        return `${mark} ${c.name.padEnd(22)} ${c.detail}${c.fix && !c.ok ? `\n  ${ctx.theme.dim(`fix: ${c.fix}`)}` : ""}`;
      })
      .join("\n"),
  );
}
