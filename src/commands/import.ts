import { availableParallelism } from "node:os";
import * as z from "zod";
import { csvWriter } from "../domain/csv-export.js";
import { createEvent, findEvent, resolveEvent } from "../domain/events.js";
import {
  applyImport,
  committedRows,
  scanImport,
  type ImportScan,
  type RejectSink,
} from "../domain/import.js";
import { CancelledError, ExitCode, UsageError } from "../errors.js";
import { printable } from "../render/printable.js";
import { createOutputFile, safeOutputPath, type OutputFile } from "../render/output-file.js";
import { confirmAction } from "../render/questions.js";
import { startProgress } from "../render/progress.js";
import { hashParamsFrom } from "../vault/hash.js";
import { defineCommand, examples } from "./command.js";
import { parseOptions, slugFlag } from "./options.js";
import type { Context } from "../context.js";

const Options = z.object({
  file: z.string().min(1),
  dryRun: z.boolean().default(false),
  strict: z.boolean().default(false),
  rejects: z.string().min(1).optional(),
});

const SHOWN_REJECTIONS = 20;

export default defineCommand({
  configure(command) {
    command
      .argument("<file>", "attendee list: CSV with an email column (UTF-8 or UTF-16)")
      .option("--dry-run", "check the file and show what would change; change nothing")
      .option("--strict", "import nothing if any row is rejected")
      .option("--rejects <file>", "write rejected rows, with line and reason, to this CSV")
      .addHelpText(
        "after",
        examples(
          "evcred import attendees.csv --event summit-2026 --yes",
          "evcred import attendees.csv --dry-run",
          "evcred import late-registrations.csv --strict --rejects rejected.csv",
        ),
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, { ...raw, file: args[0] });
    // A bad EVCRED_ARGON2 is an input error too: found before the event is created, not after.
    const hashParams = hashParamsFrom(ctx.env);
    const file = ctx.path(options.file);
    const rejectsFile = options.rejects
      ? safeOutputPath(ctx, "--rejects", options.rejects, [file])
      : undefined;
    const ws = await ctx.workspace({ create: true });
    const slug = ctx.options.event;
    let event = slug ? await findEvent(ws, slug) : await resolveEvent(ws, undefined);

    // Rejected rows go to --rejects as they are found: memory stays flat however many there are.
    // Ctrl-C is the command's to answer from here: while the file is checked nothing is written.
    const signal = ctx.takeInterrupts();
    const output = rejectsFile ? createOutputFile("--rejects", rejectsFile) : undefined;
    let scan: ImportScan;
    try {
      scan = await scanImport(ws, file, event, output && rejectsCsv(output), signal);
      output?.commit();
    } catch (error) {
      output?.abort();
      if (!signal.aborted) throw error;
      throw new CancelledError(
        `interrupted while checking ${options.file}: nothing imported, nothing changed`,
      );
    }
    reportRejections(ctx, scan, options.rejects);
    const summary = {
      event: event?.slug ?? slug ?? null,
      file,
      dryRun: options.dryRun,
      rows: scan.valid + scan.rejectedCount,
      rejectedCount: scan.rejectedCount,
      rejected: scan.rejected.map(({ line, reason }) => ({ line, reason })),
    };

    if (options.dryRun) {
      const counts = {
        new: scan.valid - scan.known,
        updated: scan.known - scan.unchanged,
        unchanged: scan.unchanged,
      };
      ctx.out.result({ ...summary, ...counts, committed: false }, () => "");
      ctx.out.info(
        `dry run: ${counts.new} new, ${counts.updated} updated, ${counts.unchanged} unchanged, ${scan.rejectedCount} rejected; nothing changed`,
      );
      if (scan.valid === 0) return ExitCode.usage; // as the real import would: nothing to import
      return scan.rejectedCount ? ExitCode.partial : ExitCode.ok;
    }
    if (options.strict && scan.rejectedCount) {
      throw new UsageError(
        `--strict: ${scan.rejectedCount} of ${summary.rows} rows rejected; nothing imported`,
      );
    }
    if (scan.valid === 0) throw new UsageError(`${file}: every row was rejected; nothing imported`);

    if (!event) event = await createEventAfterConfirmation(ctx, slug ?? "");
    const progress = await startProgress(ctx, "hashing codes");
    const started = performance.now();
    let result;
    try {
      result = await applyImport(ws, scan, {
        event,
        hashParams,
        who: { actor: ctx.actor, at: ctx.now().toISOString() },
        onProgress: (done, total) => {
          progress.update(done, total);
        },
        // Ctrl-C from here on stops after the batch being written; a second one ends at once.
        signal,
      });
    } finally {
      progress.stop();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    ctx.out.result(
      {
        ...summary,
        event: event.slug,
        new: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        committed: true,
        interrupted: result.interrupted,
        notImported: scan.valid - committedRows(result),
      },
      () => "",
    );
    if (result.interrupted) {
      ctx.out.info(
        `interrupted: ${committedRows(result)} of ${scan.valid} rows committed (${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged), ${scan.valid - committedRows(result)} not imported yet; to finish, rerun: evcred import ${options.file} --event ${event.slug} (those committed keep their codes)`,
      );
      return ExitCode.cancelled;
    }
    ctx.out.success(
      `${event.slug}: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged, ${scan.rejectedCount} rejected (${seconds}s, ${availableParallelism()} cores)`,
    );
    return scan.rejectedCount ? ExitCode.partial : ExitCode.ok;
  },
});

async function createEventAfterConfirmation(ctx: Context, rawSlug: string) {
  const { event: slug } = parseOptions(z.object({ event: slugFlag }), { event: rawSlug });
  const question = `event "${slug}" does not exist; create it`;
  await confirmAction(ctx, question, { refused: "nothing imported", defaultYes: true });
  const ws = await ctx.workspace({ create: true });
  // A master key that is not this workspace's must fail before the event is written, not after.
  await ws.vault();
  const event = await createEvent(
    ws,
    { name: titleFromSlug(slug), slug },
    { actor: ctx.actor, at: ctx.now().toISOString() },
  );
  ctx.out.info(`created event ${slug} (rename it with: evcred event update ${slug} --name "…")`);
  return event;
}

function reportRejections(ctx: Context, scan: ImportScan, rejectsFile: string | undefined): void {
  for (const r of scan.rejected.slice(0, SHOWN_REJECTIONS)) {
    ctx.out.warn(`${scan.file}:${r.line}: ${printable(r.reason)}`);
  }
  const more = scan.rejectedCount - SHOWN_REJECTIONS;
  if (more > 0)
    ctx.out.warn(
      `… and ${more} more rejected rows${rejectsFile ? "" : " (list them all with --rejects FILE)"}`,
    );
  if (rejectsFile && scan.rejectedCount) ctx.out.info(`rejected rows written to ${rejectsFile}`);
}

/** `--rejects`: the line, the reason and the row as read, one CSV line per rejected row. */
function rejectsCsv(output: OutputFile): RejectSink {
  const csv = csvWriter((text) => {
    output.write(text);
  });
  return {
    header: (header) => {
      csv.line(["line", "reason", ...header]);
    },
    row: (r) => {
      csv.line([String(r.line), r.reason, ...r.fields]);
    },
  };
}

/** `summit-2026` → `Summit 2026`: a readable name until the organizer gives a better one. */
function titleFromSlug(slug: string): string {
  return slug
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}
