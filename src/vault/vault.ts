/**
 * Key material in use: subkeys derived from the master key with HKDF, one per purpose, and the
 * three ways a code is kept — sealed (AES-256-GCM), fingerprinted (HMAC-SHA-256) and hashed
 * (argon2id, keyed, in `hash.ts`). Only the delivery runner asks for `open`; a key rotation moves
 * codes from one vault to another with `reseal`, without the code ever leaving this module.
 *
 * What a database writer without the key cannot do, and why:
 * - redirect a code: a seal is bound (associated data) to its event, attendee and email, so a
 *   row whose email was changed outside evcred no longer opens, and nothing is mailed;
 * - forge or crack a hash: argon2id runs with a secret derived from the key, and the stored hash
 *   carries an HMAC binding it to its event, attendee and email, so it can be neither written for
 *   a known string nor copied from another attendee's row, nor moved to another email with its
 *   row (a writer who knows one attendee's code swapping emails to log in as another).
 *
 * Codes kept by an evcred before these bindings: seals bound to event and attendee only are
 * re-sealed once with the email (`bindLegacySeal`, by the workspace, in one transaction), and
 * unkeyed hashes are never trusted on their own — anyone who could write the database could have
 * written one — so such a login is confirmed against the sealed copy, which the key does vouch
 * for, and its hash is then replaced by a keyed one (see `verifyCode`).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { normalizeCode } from "../domain/codes.js";
import { KeyError } from "../errors.js";
import { hashCode, hashMany, verifyCode, type HashParams } from "./hash.js";
import { signingKeyFromSeed, type SigningKey } from "./tokens.js";

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bound to event and attendee: what evcred sealed before seals named the email. */
const SEAL_V1 = 1;
/** Bound to event, attendee and email. */
const SEAL_V2 = 2;
/** `$evk1$<HMAC binding>` + the PHC string of a keyed argon2id hash. */
const KEYED_HASH = /^\$evk1\$([A-Za-z0-9+/]{43})(\$argon2id\$.+)$/;

/** Which attendee a sealed code belongs to, and where it is mailed; bound into the ciphertext. */
export interface CodeOwner {
  eventId: number;
  attendeeId: number;
  email: string;
}

/** The owner of an attendee row's code: `codeOwner({ ...row, email: newEmail })` re-seals for a new email. */
export function codeOwner(attendee: { id: number; eventId: number; email: string }): CodeOwner {
  return { eventId: attendee.eventId, attendeeId: attendee.id, email: attendee.email };
}

/**
 * What a hash is bound to: the attendee's row and the email it logs in with (a login is an
 * email and a code, so a hash that follows its row to another email would log in as that email).
 */
export type HashOwner = CodeOwner;

/** The owner the decoy hash (unknown emails) is bound to: no attendee has id 0. */
export const DECOY_OWNER: HashOwner = { eventId: 0, attendeeId: 0, email: "" };

/**
 * `ok`: the code is right. `ok-legacy`: right, confirmed by the sealed copy, but the stored hash
 * is one made before hashes were keyed — the caller replaces it with a keyed one.
 */
export type HashVerdict = "ok" | "ok-legacy" | "wrong";

/** A seal that opens with the key but not for this record: its email, event or row was changed. */
export class SealMismatchError extends KeyError {}

export class Vault {
  /** A short public name of the key, recorded in the workspace; it reveals nothing of the key. */
  readonly keyId: string;
  readonly keyPath: string;
  readonly #sealKey: Buffer;
  readonly #fingerprintKey: Buffer;
  #hashing: HashKeys;
  readonly #tokenSeed: Buffer;
  readonly #csrfKey: Buffer;
  #signingKey: SigningKey | undefined;

  constructor(masterKey: Buffer, keyPath: string) {
    this.keyPath = keyPath;
    this.keyId = derive(masterKey, "evcred key id v1", 6).toString("hex");
    this.#sealKey = derive(masterKey, "evcred seal v1", 32);
    this.#fingerprintKey = derive(masterKey, "evcred fingerprint v1", 32);
    this.#hashing = hashKeys(derive(masterKey, "evcred hash v1", 32));
    this.#tokenSeed = derive(masterKey, "evcred token signing ed25519 v1", 32);
    this.#csrfKey = derive(masterKey, "evcred page csrf v1", 32);
  }

  /**
   * What an attendee page's form carries for the browser's CSRF cookie `nonce` (a signed double
   * submit): only this service can make it, and only for that cookie.
   */
  csrfProof(nonce: string): string {
    return createHmac("sha256", this.#csrfKey).update(nonce, "utf8").digest("base64url");
  }

  /** Whether a form's `proof` is the one for the cookie `nonce`, in constant time. */
  checkCsrf(nonce: string, proof: string): boolean {
    return safeEqual(Buffer.from(this.csrfProof(nonce)), Buffer.from(proof, "utf8"));
  }

  /**
   * The Ed25519 key that signs login tokens. Derived, not stored: every `serve` with this master
   * key signs with the same key and publishes the same `kid`.
   */
  signingKey(): SigningKey {
    this.#signingKey ??= signingKeyFromSeed(this.#tokenSeed);
    return this.#signingKey;
  }

  seal(code: string, owner: CodeOwner): Buffer {
    return this.#encrypt(Buffer.from(code, "utf8"), SEAL_V2, sealData(SEAL_V2, owner));
  }

  /** The code sealed for `owner`. A seal made for another email, attendee or event is refused. */
  open(sealed: Buffer, owner: CodeOwner): string {
    if (sealed[0] === SEAL_V1 && sealed.length >= 1 + IV_BYTES + TAG_BYTES) {
      // Only `bindLegacySeal` opens these: after the workspace re-sealed its own, one found here
      // was written by someone else (an old blob put back beside a changed email, say).
      throw new SealMismatchError(
        `the sealed code of ${owner.email} is not bound to its email: the record was changed outside evcred`,
        { hint: `nothing was mailed; check the attendee, then: evcred reset-code ${owner.email}` },
      );
    }
    const plain = this.#decrypt(sealed, SEAL_V2, sealData(SEAL_V2, owner));
    if (plain) return plain.toString("utf8");
    // Under this key the seal is intact only if it opens for some owner; we cannot tell which, so
    // both likely causes are named.
    throw new SealMismatchError(
      `the sealed code of ${owner.email} does not open for this record with key ${this.keyId}: the record was changed outside evcred, or the key is not this workspace's`,
      {
        hint: `nothing was mailed; to change an email use \`evcred attendees update\`, or give a new code: evcred reset-code ${owner.email}`,
      },
    );
  }

  /**
   * A seal made before seals were bound to the email, sealed again for `owner` with its email,
   * and the code's fingerprint as it is computed now (look-alikes folded: a chosen code with an
   * `O` was fingerprinted unfolded then); undefined when `sealed` is not such a seal. Only the
   * workspace's one-time upgrade calls this.
   */
  bindLegacySeal(
    sealed: Buffer,
    owner: CodeOwner,
  ): { sealed: Buffer; fingerprint: Buffer } | undefined {
    if (sealed[0] !== SEAL_V1) return undefined;
    const plain = this.#decrypt(sealed, SEAL_V1, legacySealData(owner));
    if (!plain) return undefined;
    return {
      sealed: this.#encrypt(plain, SEAL_V2, sealData(SEAL_V2, owner)),
      fingerprint: this.fingerprint(owner.eventId, normalizeCode(plain.toString("utf8"))),
    };
  }

  /**
   * The code sealed here, sealed again under `target` for the same owner, with its fingerprint
   * under `target`'s key: what a key rotation stores. Hashes stay valid: see `sealHashKeyFor`.
   */
  reseal(sealed: Buffer, owner: CodeOwner, target: Vault): { sealed: Buffer; fingerprint: Buffer } {
    const code = this.open(sealed, owner);
    return {
      sealed: target.seal(code, owner),
      fingerprint: target.fingerprint(owner.eventId, normalizeCode(code)),
    };
  }

  /**
   * The code sealed for `from`, sealed again for `to` under this same key: what moving a code to
   * a changed binding (a corrected email) stores. The code never leaves this module.
   */
  rebind(sealed: Buffer, from: CodeOwner, to: CodeOwner): Buffer {
    return this.seal(this.open(sealed, from), to);
  }

  /** Equal for equal codes in one event, so a unique index forbids shared codes. */
  fingerprint(eventId: number, normalizedCode: string): Buffer {
    return createHmac("sha256", this.#fingerprintKey)
      .update(`${eventId}\u0000${normalizedCode}`)
      .digest();
  }

  /** A keyed argon2id hash of a normalized code, not yet bound to its attendee (`bindHash`). */
  hashCode(normalizedCode: string, params: HashParams): Promise<string> {
    return hashCode(normalizedCode, params, this.#hashing.argon2Secret);
  }

  /** `hashCode` for many codes, `concurrency` at a time, in order. */
  hashCodes(
    codes: readonly string[],
    params: HashParams,
    concurrency: number,
    onHashed?: () => void,
    signal?: AbortSignal,
  ): Promise<string[]> {
    return hashMany(codes, params, concurrency, onHashed, signal, this.#hashing.argon2Secret);
  }

  /** What is stored: the keyed hash with an HMAC that binds it to its attendee's row. */
  bindHash(phc: string, owner: HashOwner): string {
    return `$evk1$${this.#hashBinding(phc, owner).toString("base64").replace(/=+$/, "")}${phc}`;
  }

  /**
   * A stored keyed hash bound to `from`, bound to `to` instead: what a corrected email stores, the
   * code unchanged. Any other stored hash is returned as it is (an unkeyed one is confirmed by
   * its seal, which `rebind` moves; one not bound to `from` verifies nothing, here or there).
   */
  rebindHash(stored: string, from: HashOwner, to: HashOwner): string {
    const keyed = KEYED_HASH.exec(stored);
    if (!keyed) return stored;
    const [, binding = "", phc = ""] = keyed;
    if (!safeEqual(Buffer.from(binding, "base64"), this.#hashBinding(phc, from))) return stored;
    return this.bindHash(phc, to);
  }

  /** Whether a stored hash is a keyed one (rather than one made before hashes were keyed). */
  static isKeyedHash(stored: string): boolean {
    return KEYED_HASH.test(stored);
  }

  /**
   * Checks a normalized code against a stored hash, at the cost of one argon2 verification
   * whatever the outcome. A keyed hash must carry a valid binding to `owner`. An unkeyed hash
   * (made before) is no evidence on its own: the code must also be the one sealed for `owner`.
   */
  async verifyCode(
    stored: string,
    normalizedCode: string,
    owner: HashOwner,
    sealed?: Buffer,
  ): Promise<HashVerdict> {
    const keyed = KEYED_HASH.exec(stored);
    if (keyed) {
      const [, binding = "", phc = ""] = keyed;
      const bound = safeEqual(Buffer.from(binding, "base64"), this.#hashBinding(phc, owner));
      const matches = await verifyCode(phc, normalizedCode, this.#hashing.argon2Secret);
      return bound && matches ? "ok" : "wrong";
    }
    // The unkeyed hash is verified for its cost only; the seal decides.
    await verifyCode(stored, normalizedCode);
    if (!sealed) return "wrong";
    const plain = this.#decrypt(sealed, SEAL_V2, sealData(SEAL_V2, owner));
    if (!plain) return "wrong";
    return safeEqual(digest(normalizeCode(plain.toString("utf8"))), digest(normalizedCode))
      ? "ok-legacy"
      : "wrong";
  }

  /**
   * Hashes stay valid across key rotations: the hash key a rotated workspace keeps using, sealed
   * under `target` for the workspace to store, so `target` adopts it (`adoptHashKey`).
   */
  sealHashKeyFor(target: Vault): Buffer {
    return target.#encrypt(this.#hashing.key, SEAL_V2, Buffer.from("evcred hash key v1"));
  }

  /** Takes the hash key a rotation carried over (`sealHashKeyFor`); refuses a damaged one. */
  adoptHashKey(sealed: Buffer): void {
    const key = this.#decrypt(sealed, SEAL_V2, Buffer.from("evcred hash key v1"));
    if (!key || key.length !== 32) {
      throw new KeyError(`the workspace's hash key does not open with key ${this.keyId}`, {
        hint: "the workspace was changed outside evcred, or the key is not this workspace's",
      });
    }
    this.#hashing = hashKeys(key);
  }

  #hashBinding(phc: string, owner: HashOwner): Buffer {
    return createHmac("sha256", this.#hashing.bindingKey)
      .update(
        `event=${owner.eventId}\u0000attendee=${owner.attendeeId}\u0000email=${owner.email.length}:${owner.email}\u0000${phc}`,
      )
      .digest();
  }

  #encrypt(plain: Buffer, version: number, aad: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#sealKey, iv);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.of(version), iv, body, cipher.getAuthTag()]);
  }

  /** The plain bytes, or undefined when the seal does not open for this data and key. */
  #decrypt(sealed: Buffer, version: number, aad: Buffer): Buffer | undefined {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES) throw new KeyError("a sealed code is damaged");
    if (sealed[0] !== version) {
      if (sealed[0] === SEAL_V1 || sealed[0] === SEAL_V2) return undefined;
      throw new KeyError("a sealed code is damaged");
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const body = sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#sealKey, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

interface HashKeys {
  key: Buffer;
  argon2Secret: Buffer;
  bindingKey: Buffer;
}

/** The hash key and what is derived from it: argon2's secret and the binding's HMAC key. */
function hashKeys(key: Buffer): HashKeys {
  return {
    key,
    argon2Secret: derive(key, "evcred argon2 secret v1", 32),
    bindingKey: derive(key, "evcred hash binding v1", 32),
  };
}

function derive(key: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), info, length));
}

function sealData(version: number, owner: CodeOwner): Buffer {
  // The email is last and length-prefixed: no email can make another record's data.
  return Buffer.from(
    `evcred code v${version} event=${owner.eventId} attendee=${owner.attendeeId} email=${owner.email.length}:${owner.email}`,
  );
}

function legacySealData(owner: CodeOwner): Buffer {
  return Buffer.from(`evcred code v1 event=${owner.eventId} attendee=${owner.attendeeId}`);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
