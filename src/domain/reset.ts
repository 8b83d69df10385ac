/**
 * Changing codes: a fresh random one (recommended), or one the organizer chose. Either way the
 * attendee gets a new hash, sealed copy and fingerprint, `codeVersion` + 1 and `codeChangedAt` now,
 * in one transaction: the old code stops working at once and the attendee is due again for the
 * next send (see recipients.ts). An attendee's own choice (`setOwnCode`) is the one change that
 * keeps the version: nothing is due for a code its owner typed. The plain code lives only in
 * memory, long enough to be hashed and sealed; nothing returned or recorded here holds it.
 *
 * Each function returns the changed attendee rows, so a caller can go on and deliver the new
 * codes (the template linked to `reset`).
 */
import { EvcredError, UsageError } from "../errors.js";
import { DomainError } from "./errors.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import { queriesOf, type Workspace } from "../store/workspace.js";
import type { HashParams } from "../vault/hash.js";
import type { Vault } from "../vault/vault.js";
import { recordAudit } from "./audit.js";
import { issueCodes, type IssuedCode } from "./code-issuer.js";
import { displayCode, normalizeCode } from "./codes.js";
import { weakCodeProblem, type ChosenCodeContext } from "./code-strength.js";
import type { Who } from "./events.js";

/** How the new code is chosen. `code` is as the organizer typed it. */
export type CodeChoice = { kind: "generate" } | { kind: "organizer"; code: string };

export interface ResetOptions {
  hashParams: HashParams;
  who: Who;
}

export interface ResetAllOptions extends ResetOptions {
  /** Called after each code is hashed, with the count done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Aborted (Ctrl-C): no new hash starts and the call rejects; until every code is ready, nothing changes. */
  signal?: AbortSignal;
}

const BATCH = 1_000;

/** One attendee's new code; the updated row. */
export async function resetCode(
  ws: Workspace,
  event: EventRow,
  attendee: AttendeeRow,
  choice: CodeChoice,
  options: ResetOptions,
): Promise<AttendeeRow> {
  let issued: IssuedCode;
  const vault = await ws.vault();
  if (choice.kind === "organizer") {
    const normalized = await checkOrganizerCode(ws, vault, event, attendee, choice.code);
    issued = {
      // Sealed as typed, so the email shows the grouping the organizer chose.
      code: displayCode(choice.code),
      fingerprint: vault.fingerprint(event.id, normalized),
      hash: await vault.hashCode(normalized, options.hashParams),
    };
  } else {
    const [fresh] = await issueCodes(ws, 1, {
      eventId: event.id,
      length: event.codeLength,
      hashParams: options.hashParams,
    });
    if (!fresh) throw new Error("a code was not issued");
    issued = fresh;
  }
  const source = choice.kind === "organizer" ? "organizer" : "generated";
  return ws.transaction(async (tx) => {
    // Checked again under the write lock: another attendee may have taken the code meanwhile.
    if (choice.kind === "organizer") {
      await checkOrganizerCode(tx, vault, event, attendee, choice.code);
    }
    const row = await applyCode(tx, vault, event, attendee.id, issued, source, options.who.at);
    if (!row) {
      throw new EvcredError(`${attendee.email} was removed meanwhile; nothing changed`);
    }
    await recordAudit(tx, {
      ...options.who,
      action: source === "organizer" ? "code.organizer-set" : "code.reset",
      eventId: event.id,
      attendeeId: row.id,
      email: row.email,
      summary:
        source === "organizer"
          ? `code set by the organizer (version ${row.codeVersion}); the organizer knows it`
          : `new code generated (version ${row.codeVersion})`,
    });
    return row;
  });
}

/**
 * The attendee's own code, chosen on the change-my-code page once they proved their current one
 * (the caller's part: `verifyLogin`). The organizer-code rule applies (`checkOrganizerCode`); it
 * is hashed, sealed and fingerprinted like any code, with `codeSource` attendee, and audited
 * without it. Unlike a reset it keeps `codeVersion`: the attendee knows this code, so it makes
 * them due for no credentials email. Undefined when their code changed since `attendee` was read
 * (a reset meanwhile: what they proved is no longer their code) or they were removed.
 */
export async function setOwnCode(
  ws: Workspace,
  event: EventRow,
  attendee: AttendeeRow,
  raw: string,
  options: ResetOptions,
): Promise<AttendeeRow | undefined> {
  const vault = await ws.vault();
  const normalized = await checkOrganizerCode(ws, vault, event, attendee, raw);
  const issued: IssuedCode = {
    code: displayCode(raw),
    fingerprint: vault.fingerprint(event.id, normalized),
    hash: await vault.hashCode(normalized, options.hashParams),
  };
  return ws.transaction(async (tx) => {
    // Checked again under the write lock: another attendee may have taken the code meanwhile.
    await checkOrganizerCode(tx, vault, event, attendee, raw);
    const row = await applyCode(
      tx,
      vault,
      event,
      attendee.id,
      issued,
      "attendee",
      options.who.at,
      attendee,
    );
    if (!row) return undefined;
    await recordAudit(tx, {
      ...options.who,
      action: "code.attendee-set",
      eventId: event.id,
      attendeeId: row.id,
      email: row.email,
      summary: "code chosen by the attendee; the organizer does not know it",
    });
    return row;
  });
}

/**
 * Every attendee of the event gets a fresh code (after a leak). Codes are hashed on every core in
 * batches, then all are applied in one transaction: either every old code stops working or none
 * does, so a reset stopped by its signal (or a crash) changed nothing and is simply run again.
 * A new code never equals any code of the event, old or new.
 */
export async function resetAllCodes(
  ws: Workspace,
  event: EventRow,
  options: ResetAllOptions,
): Promise<AttendeeRow[]> {
  const vault = await ws.vault();
  const ids = await ws.store.attendees.ids(event.id);
  if (ids.length === 0) throw new UsageError(`${event.slug} has no attendees; nothing to reset`);
  const issue = {
    eventId: event.id,
    length: event.codeLength,
    hashParams: options.hashParams,
  };
  let done = 0;
  const onHashed = () => options.onProgress?.(++done, ids.length);
  const seen = new Set<string>();
  const codes: IssuedCode[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    for (let code of await issueCodes(ws, Math.min(BATCH, ids.length - i), {
      ...issue,
      onHashed,
      signal: options.signal,
    })) {
      // issueCodes avoids the workspace's codes and its own batch, not earlier batches (they are
      // not written yet): a clash across batches is drawn again.
      while (seen.has(code.fingerprint.toString("base64"))) {
        const [again] = await issueCodes(ws, 1, issue);
        if (!again) throw new Error("a code was not issued");
        code = again;
      }
      seen.add(code.fingerprint.toString("base64"));
      codes.push(code);
    }
  }
  options.signal?.throwIfAborted();
  const reset = await ws.transaction(async (tx) => {
    const changed: AttendeeRow[] = [];
    for (const [i, id] of ids.entries()) {
      const code = codes[i];
      if (!code) throw new Error("a code was not issued");
      const row = await applyCode(tx, vault, event, id, code, "generated", options.who.at);
      if (!row) continue; // removed meanwhile
      changed.push(row);
      await recordAudit(tx, {
        ...options.who,
        action: "code.reset",
        eventId: event.id,
        attendeeId: row.id,
        email: row.email,
        summary: `new code generated (version ${row.codeVersion}) in a reset of all ${ids.length} attendees`,
      });
    }
    return changed;
  });
  await ws.scrub(); // the old hashes, seals and fingerprints: out of free pages and the WAL
  return reset;
}

/**
 * An organizer's code for this attendee, normalized as logins are; or a DomainError saying why
 * not (`weak-code`, `code-taken`, `same-code`). Messages never repeat the code, and a code taken by another attendee does not say by whom.
 * The attendee's own current code is refused too: setting it again would change nothing, and a
 * reset promises that the old code stops working (to send the same code again, resend it).
 */
export async function checkOrganizerCode(
  q: Queries | Workspace,
  vault: Vault,
  event: EventRow,
  attendee: AttendeeRow,
  raw: string,
): Promise<string> {
  const code = normalizeCode(raw);
  const weak = weakCodeProblem(raw, chosenCodeContext(event, attendee.email));
  if (weak) {
    throw new DomainError({ code: "weak-code", reason: weak.message });
  }
  const holder = await queriesOf(q).attendees.byFingerprint(
    event.id,
    vault.fingerprint(event.id, code),
  );
  if (holder && holder.id !== attendee.id) {
    throw new DomainError({ code: "code-taken", event: event.slug });
  }
  if (holder) {
    throw new DomainError({ code: "same-code", email: attendee.email });
  }
  return code;
}

/** Which code the change replaces: the attendee's row as it was when they proved it. */
interface ReplacedCode {
  codeVersion: number;
  codeChangedAt: string;
}

/** What a chosen code must not be, for an attendee of `event`: their email, the event's words. */
export function chosenCodeContext(event: EventRow, email: string): ChosenCodeContext {
  return { email, eventWords: [event.slug, event.name] };
}

async function applyCode(
  q: Queries,
  vault: Vault,
  event: EventRow,
  attendeeId: number,
  issued: IssuedCode,
  source: AttendeeRow["codeSource"],
  at: string,
  replacing?: ReplacedCode,
): Promise<AttendeeRow | undefined> {
  const current = await q.attendees.byId(event.id, attendeeId);
  if (!current) return undefined;
  const owner = { eventId: event.id, attendeeId, email: current.email };
  const row = await q.attendees.replaceCode(
    event.id,
    attendeeId,
    {
      codeHash: vault.bindHash(issued.hash, owner),
      codeSealed: vault.seal(issued.code, owner),
      codeFingerprint: issued.fingerprint,
      codeSource: source,
      // A code given out makes the attendee due its email (recipients.ts); one they chose, not.
      bumpVersion: source !== "attendee",
      at,
    },
    replacing,
  );
  if (row === "code-taken") {
    // The unique fingerprint index: a concurrent import or reset drew the same code first.
    throw new EvcredError("a new code clashed with one given out meanwhile; nothing changed", {
      hint: "run the command again",
    });
  }
  return row;
}
