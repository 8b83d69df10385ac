/**
 * argon2id hashing of codes on libuv's thread pool (sized to the machine by `bin/evcred.cjs`), so
 * many hashes run in parallel. The PHC string records its parameters: verifying never needs them.
 * The secret (argon2's keyed mode) comes from the vault: these functions only carry it.
 */
import type * as Argon2 from "@node-rs/argon2";
import { UsageError } from "../errors.js";

// Loaded on the first hash or verification, not with the module: the commands that only read
// the workspace (`attendees list`, `stats`, …) start without the native addon (~15 ms).
let argon2: Promise<typeof Argon2> | undefined;
const lib = (): Promise<typeof Argon2> => (argon2 ??= import("@node-rs/argon2"));

export interface HashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's first recommended argon2id configuration: 19 MiB, 2 passes, 1 lane. */
export const OWASP_PARAMS: HashParams = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** `EVCRED_ARGON2="m=19456,t=2,p=1"` overrides the parameters (lower ones make test suites fast). */
export function hashParamsFrom(env: NodeJS.ProcessEnv): HashParams {
  const spec = env.EVCRED_ARGON2;
  if (!spec) return OWASP_PARAMS;
  const params = { ...OWASP_PARAMS };
  for (const part of spec.split(",")) {
    const [name, value] = part.split("=").map((s) => s.trim());
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw badParams(spec);
    if (name === "m" && n >= 1024) params.memoryCost = n;
    else if (name === "t") params.timeCost = n;
    else if (name === "p" && n <= 16) params.parallelism = n;
    else throw badParams(spec);
  }
  return params;
}

/** A PHC string of `normalizedCode`; keyed when `secret` is given (it is not in the string). */
export function hashCode(
  normalizedCode: string,
  params: HashParams,
  secret?: Uint8Array,
): Promise<string> {
  return lib().then(({ hash }) => hash(normalizedCode, secret ? { ...params, secret } : params));
}

/** Whether a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) was made with `params`. */
export function hashHasParams(phc: string, params: HashParams): boolean {
  const found = /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  return (
    found !== null &&
    Number(found[1]) === params.memoryCost &&
    Number(found[2]) === params.timeCost &&
    Number(found[3]) === params.parallelism
  );
}

/** Whether `phc` is a hash of `normalizedCode` (with `secret`, if it was keyed); never throws. */
export async function verifyCode(
  phc: string,
  normalizedCode: string,
  secret?: Uint8Array,
): Promise<boolean> {
  const { verify } = await lib();
  try {
    return await verify(phc, normalizedCode, secret ? { secret } : undefined);
  } catch {
    return false;
  }
}

function badParams(spec: string): UsageError {
  return new UsageError(`EVCRED_ARGON2 is not valid: "${spec}"`, {
    hint: 'use e.g. EVCRED_ARGON2="m=19456,t=2,p=1" (m >= 1024 KiB, t >= 1, 1 <= p <= 16)',
  });
}

/**
 * Hashes every code with at most `concurrency` in flight, so the pool keeps a thread free for
 * file reads while every core hashes. Results keep the input's order. Once `signal` is aborted
 * no new hash starts; those in flight finish, and the call rejects with the signal's reason.
 */
export async function hashMany(
  codes: readonly string[],
  params: HashParams,
  concurrency: number,
  onHashed?: () => void,
  signal?: AbortSignal,
  secret?: Uint8Array,
): Promise<string[]> {
  const out = new Array<string>(codes.length);
  let next = 0;
  const worker = async () => {
    while (next < codes.length && !signal?.aborted) {
      const i = next++;
      out[i] = await hashCode(codes[i] ?? "", params, secret);
      onHashed?.();
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, codes.length)) }, worker),
  );
  signal?.throwIfAborted();
  return out;
}
