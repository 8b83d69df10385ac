/**
 * Importing an attendee CSV, in two streamed passes so memory stays flat however long the file:
 * `scanImport` reads and validates everything and changes nothing (it is the whole of a dry run,
 * and lets --strict refuse before a single write); `applyImport` reads again and, batch by batch,
 * plans against the workspace, issues codes on every core and commits. A batch is one
 * transaction: an interrupted import keeps whole batches, and rerunning it finishes the job
 * without giving anyone a second code.
 */
import { UsageError } from "../errors.js";
import type { EventRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import type { Workspace } from "../store/workspace.js";
import type { HashParams } from "../vault/hash.js";
import { recordAudit } from "./audit.js";
import { issueCodes, type IssuedCode } from "./code-issuer.js";
import { ensureDecoyHash } from "./logins.js";
import { readCsv, type CsvProblem } from "./csv.js";
import type { Who } from "./events.js";
import {
  mapHeader,
  planImport,
  validateRecord,
  type AttendeeInput,
  type ColumnMap,
  type ExistingAttendee,
} from "./import-plan.js";

const BATCH = 1_000;

export interface Rejection {
  line: number;
  reason: string;
  /** The record as read, for `--rejects`; empty when the record could not be read at all. */
  fields: string[];
}

/** Where every rejected row goes as it is found (`--rejects`): the header first, rows in line order. */
export interface RejectSink {
  header(header: readonly string[]): void;
  row(rejection: Rejection): void;
}

/** Rejected rows kept in memory (line and reason only): the rest are counted, and streamed to a sink. */
export const KEPT_REJECTIONS = 1_000;

export interface ImportScan {
  file: string;
  header: string[];
  columns: ColumnMap;
  valid: number;
  /** The first `KEPT_REJECTIONS` rejected rows, without their fields. */
  rejected: Rejection[];
  rejectedCount: number;
  /** Of the valid rows, how many are attendees the event already has (0 for a new event). */
  known: number;
  unchanged: number;
}

export interface ImportResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Stopped by `signal` before the end of the file: the batches above are committed, the rest not. */
  interrupted: boolean;
}

/**
 * Pass one: every record validated, nothing written. `event` is undefined for one not yet created.
 * Once `signal` is aborted the reading stops and the call rejects with the signal's reason.
 */
export async function scanImport(
  ws: Workspace,
  file: string,
  event: EventRow | undefined,
  rejects?: RejectSink,
  signal?: AbortSignal,
): Promise<ImportScan> {
  let header: string[] | undefined;
  let columns: ColumnMap | undefined;
  let batch: AttendeeInput[] = [];
  const scan = {
    file,
    valid: 0,
    rejected: [] as Rejection[],
    rejectedCount: 0,
    known: 0,
    unchanged: 0,
  };
  // A record unreadable before the header was read waits for it: the sink's header comes first.
  const early: Rejection[] = [];
  const reject = (r: Rejection) => {
    scan.rejectedCount++;
    if (scan.rejected.length < KEPT_REJECTIONS) scan.rejected.push({ ...r, fields: [] });
    if (!rejects) return;
    if (header) rejects.row(r);
    else early.push(r);
  };
  const classify = async () => {
    if (event && batch.length) {
      const plan = planImport(batch, await existingByEmail(ws.store, event.id, batch));
      scan.known += plan.update.length + plan.unchanged;
      scan.unchanged += plan.unchanged;
    }
    batch = [];
  };
  for await (const row of attendeeRows(file, reject, (h, c) => {
    header = h;
    columns = c;
    rejects?.header(h);
    for (const r of early.splice(0)) rejects?.row(r);
  })) {
    signal?.throwIfAborted();
    scan.valid++;
    batch.push(row);
    if (batch.length >= BATCH) await classify();
  }
  await classify();
  if (!header || !columns) throw new UsageError(`${file} is empty`);
  if (scan.valid === 0 && scan.rejectedCount === 0) {
    throw new UsageError(`${file} has a header but no attendee rows`);
  }
  scan.rejected.sort((a, b) => a.line - b.line);
  return { ...scan, header, columns };
}

export interface ApplyOptions {
  event: EventRow;
  hashParams: HashParams;
  who: Who;
  /** Called after each attendee is hashed or written, with the count done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Aborted (Ctrl-C): the batch being prepared is dropped, those committed stay, nothing new starts. */
  signal?: AbortSignal;
}

/** Pass two: the valid rows of a scanned file committed batch by batch. */
export async function applyImport(
  ws: Workspace,
  scan: ImportScan,
  options: ApplyOptions,
): Promise<ImportResult> {
  const { event } = options;
  const result: ImportResult = { inserted: 0, updated: 0, unchanged: 0, interrupted: false };
  const stopped = () => (result.interrupted ||= options.signal?.aborted ?? false);
  let done = 0;
  const tick = () => options.onProgress?.(++done, scan.valid);
  let batch: AttendeeInput[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    const plan = planImport(rows, await existingByEmail(ws.store, event.id, rows));
    let codes: IssuedCode[] | undefined;
    try {
      codes = await issueCodes(ws, plan.insert.length, {
        eventId: event.id,
        length: event.codeLength,
        hashParams: options.hashParams,
        onHashed: tick,
        signal: options.signal,
      });
    } catch (error) {
      if (!stopped()) throw error;
    }
    // Ctrl-C while the batch was hashing: it is dropped whole, as a crash would drop it.
    if (stopped() || !codes) return;
    const issuedFor = new Map(plan.insert.map((a, i) => [a.email, codes[i]]));
    const now = options.who.at;
    const vault = await ws.vault();
    const applied = await ws.transaction(async (tx) => {
      // Planned again under the write lock: another import may have registered some of these
      // meanwhile, and they are updated (their spare code unused), never inserted twice.
      const final = planImport(rows, await existingByEmail(tx, event.id, rows));
      const ids = await tx.attendees.reserveIds(final.insert.length);
      const inserts = final.insert.map((a, i) => {
        const id = ids[i];
        if (id === undefined) throw new Error("an id was not reserved");
        const issued = issuedFor.get(a.email);
        if (!issued) throw new Error("a code was not issued");
        return {
          id,
          eventId: event.id,
          email: a.email,
          firstName: a.firstName,
          lastName: a.lastName,
          fields: JSON.stringify(a.fields),
          codeHash: vault.bindHash(issued.hash, {
            eventId: event.id,
            attendeeId: id,
            email: a.email,
          }),
          codeSealed: vault.seal(issued.code, {
            eventId: event.id,
            attendeeId: id,
            email: a.email,
          }),
          codeFingerprint: issued.fingerprint,
          codeChangedAt: now,
        };
      });
      await tx.attendees.insertMany(inserts);
      for (const { id, attendee } of final.update) {
        await tx.attendees.update(
          id,
          {
            firstName: attendee.firstName,
            lastName: attendee.lastName,
            fields: JSON.stringify(attendee.fields),
            updatedAt: now,
          },
          { clearLock: false },
        );
      }
      return final;
    });
    result.inserted += applied.insert.length;
    result.updated += applied.update.length;
    result.unchanged += applied.unchanged;
    for (let i = 0; i < applied.update.length + applied.unchanged; i++) tick();
  };
  await ensureDecoyHash(ws, options.hashParams);
  for await (const row of attendeeRows(
    scan.file,
    () => undefined,
    () => undefined,
  )) {
    if (stopped()) break;
    batch.push(row);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length && !stopped()) await flush();
  await recordAudit(ws.store, {
    ...options.who,
    action: "import",
    eventId: event.id,
    summary: `${scan.file}: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged, ${scan.rejectedCount} rejected${result.interrupted ? `; interrupted, ${scan.valid - committedRows(result)} rows not imported` : ""}`,
  });
  return result;
}

/** The file's valid rows that a (possibly interrupted) import committed. */
export function committedRows(result: ImportResult): number {
  return result.inserted + result.updated + result.unchanged;
}

/**
 * The file's valid attendees in order; rejected records (unreadable, invalid, or a repeat of an
 * earlier email) go to `reject`, in line order. A file without a usable header is a UsageError.
 */
async function* attendeeRows(
  file: string,
  reject: (r: Rejection) => void,
  onHeader: (header: string[], columns: ColumnMap) => void,
): AsyncGenerator<AttendeeInput> {
  let columns: ColumnMap | undefined;
  const firstLine = new Map<string, number>();
  // The parser reports an unreadable record as it meets it, ahead of the records still to come
  // out of it: each waits here until the records before it have been seen.
  const problems: CsvProblem[] = [];
  const rejectProblemsBefore = (line: number) => {
    while (problems.length && (problems[0]?.line ?? Infinity) < line) {
      const p = problems.shift();
      if (p) reject({ ...p, fields: [] });
    }
  };
  for await (const { line, fields } of readCsv(file, (p) => problems.push(p))) {
    rejectProblemsBefore(line);
    if (!columns) {
      const mapped = mapHeader(fields);
      if (!mapped.ok) throw new UsageError(`${file}:${line}: ${mapped.reason}`);
      columns = mapped.columns;
      onHeader(fields, columns);
      continue;
    }
    const result = validateRecord(fields, columns, line);
    if (!result.ok) {
      reject({ line, reason: result.reason, fields });
      continue;
    }
    const earlier = firstLine.get(result.attendee.email);
    if (earlier !== undefined) {
      reject({
        line,
        reason: `duplicate of line ${earlier} (${result.attendee.email}); the first wins`,
        fields,
      });
      continue;
    }
    firstLine.set(result.attendee.email, line);
    yield result.attendee;
  }
  rejectProblemsBefore(Infinity);
}

async function existingByEmail(
  q: Queries,
  eventId: number,
  batch: readonly AttendeeInput[],
): Promise<Map<string, ExistingAttendee>> {
  const rows = await q.attendees.withEmails(
    eventId,
    batch.map((a) => a.email),
  );
  return new Map(rows.map((r) => [r.email, r]));
}
