/**
 * Key material in use: subkeys derived from the master key with HKDF, one per purpose, and the
 * three ways a code is kept — sealed (AES-256-GCM), fingerprinted (HMAC-SHA-256) and hashed
 * (argon2id, in `hash.ts`). Only the delivery runner asks for `open`; a key rotation moves codes
 * from one vault to another with `reseal`, without the code ever leaving this module.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { KeyError } from "../errors.js";
import { signingKeyFromSeed, type SigningKey } from "./tokens.js";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEAL_VERSION = 1;

/** Which attendee a sealed code belongs to; bound into the ciphertext as associated data. */
export interface CodeOwner {
  eventId: number;
  attendeeId: number;
}

export class Vault {
  /** A short public name of the key, recorded in the workspace; it reveals nothing of the key. */
  readonly keyId: string;
  readonly keyPath: string;
  readonly #sealKey: Buffer;
  readonly #fingerprintKey: Buffer;
  readonly #tokenSeed: Buffer;
  #signingKey: SigningKey | undefined;

  constructor(masterKey: Buffer, keyPath: string) {
    this.keyPath = keyPath;
    this.keyId = derive(masterKey, "evcred key id v1", 6).toString("hex");
    this.#sealKey = derive(masterKey, "evcred seal v1", 32);
    this.#fingerprintKey = derive(masterKey, "evcred fingerprint v1", 32);
    this.#tokenSeed = derive(masterKey, "evcred token signing ed25519 v1", 32);
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
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#sealKey, iv);
    cipher.setAAD(associatedData(owner));
    const body = Buffer.concat([cipher.update(code, "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.of(SEAL_VERSION), iv, body, cipher.getAuthTag()]);
  }

  open(sealed: Buffer, owner: CodeOwner): string {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION) {
      throw new KeyError("a sealed code is damaged");
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const body = sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#sealKey, iv);
    decipher.setAAD(associatedData(owner));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    } catch {
      throw new KeyError(
        `the sealed code of attendee ${owner.attendeeId} does not open with key ${this.keyId}`,
        {
          hint: "the workspace or the key file was tampered with, or the key is not this workspace's",
        },
      );
    }
  }

  /**
   * The code sealed here, sealed again under `target` for the same owner, with its fingerprint
   * under `target`'s key: what a key rotation stores. The argon2id hash needs no change.
   */
  reseal(sealed: Buffer, owner: CodeOwner, target: Vault): { sealed: Buffer; fingerprint: Buffer } {
    const code = this.open(sealed, owner);
    return {
      sealed: target.seal(code, owner),
      fingerprint: target.fingerprint(owner.eventId, code),
    };
  }

  /** Equal for equal codes in one event, so a unique index forbids shared codes. */
  fingerprint(eventId: number, normalizedCode: string): Buffer {
    return createHmac("sha256", this.#fingerprintKey)
      .update(`${eventId}\u0000${normalizedCode}`)
      .digest();
  }
}

function derive(key: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), info, length));
}

function associatedData(owner: CodeOwner): Buffer {
  return Buffer.from(`evcred code v1 event=${owner.eventId} attendee=${owner.attendeeId}`);
}
