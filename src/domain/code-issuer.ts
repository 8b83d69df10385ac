/**
 * Fresh codes for attendees of one event: random, unique within the event (checked by keyed
 * fingerprint against the workspace and the batch itself), hashed on every core. The plain codes
 * live only in the returned objects, long enough to be sealed.
 */
import { availableParallelism } from "node:os";
import type { Workspace } from "../store/workspace.js";
import type { HashParams } from "../vault/hash.js";
import { generateCode } from "./codes.js";

export interface IssuedCode {
  /** As sealed and shown to the attendee. */
  code: string;
  /** Keyed, not yet bound to the attendee's row: `vault.bindHash` when it is written. */
  hash: string;
  fingerprint: Buffer;
}

export interface IssueOptions {
  eventId: number;
  length: number;
  hashParams: HashParams;
  onHashed?: () => void;
  /** Aborted: no new hash starts and the call rejects (nothing was issued). */
  signal?: AbortSignal | undefined;
}

export async function issueCodes(
  ws: Workspace,
  count: number,
  options: IssueOptions,
): Promise<IssuedCode[]> {
  const vault = await ws.vault();
  const seen = new Set<string>();
  const codes: { code: string; fingerprint: Buffer }[] = [];
  while (codes.length < count) {
    // Drawn for all that are missing, checked against the workspace in one read.
    const drawn: { code: string; fingerprint: Buffer }[] = [];
    while (codes.length + drawn.length < count) {
      const code = generateCode(options.length);
      const fingerprint = vault.fingerprint(options.eventId, code);
      const key = fingerprint.toString("base64");
      if (seen.has(key)) continue;
      seen.add(key);
      drawn.push({ code, fingerprint });
    }
    const taken = new Set(
      (
        await ws.store.attendees.fingerprintsTaken(
          options.eventId,
          drawn.map((d) => d.fingerprint),
        )
      ).map((f) => f.toString("base64")),
    );
    // 49 bits make a clash rare, not impossible: draw again rather than share a code.
    for (const d of drawn) if (!taken.has(d.fingerprint.toString("base64"))) codes.push(d);
  }
  const hashes = await vault.hashCodes(
    codes.map((c) => c.code),
    options.hashParams,
    availableParallelism(),
    options.onHashed,
    options.signal,
  );
  return codes.map((c, i) => ({ ...c, hash: hashes[i] ?? "" }));
}
