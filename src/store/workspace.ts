/**
 * A workspace: its store (a SQLite file, or a PostgreSQL database several machines share) and
 * its master key. The key is loaded on first need and checked against the key id the workspace
 * recorded, so a wrong key is an error, never garbage.
 */
import { KeyError } from "../errors.js";
import { loadMasterKey } from "../vault/master-key.js";
import type { Vault } from "../vault/vault.js";
import { openSqliteStore } from "./sqlite/store.js";
import type { Queries, Store } from "./store.js";
import { isPostgresUrl } from "./postgres/url.js";

/** Where a rotated workspace keeps its hash key, sealed (see `Vault.sealHashKeyFor`). */
export const HASH_KEY_META = "hash_key";

export interface OpenOptions {
  /** A SQLite file's path, or a `postgres://` URL. */
  path: string;
  keyPath: string;
  /**
   * Refuse a workspace that does not exist yet instead of creating it: a command that only reads
   * must not leave an empty `evcred.db` in whatever folder it was run in. (A PostgreSQL database
   * exists before evcred; an empty one is made a workspace by any command.)
   */
  mustExist?: boolean;
  /** What PostgreSQL's activity view shows for this process (`evcred serve`, …). */
  applicationName?: string;
}

export class Workspace {
  readonly store: Store;
  readonly #keyPath: string;
  #vault: Vault | undefined;

  constructor(store: Store, keyPath: string) {
    this.store = store;
    this.#keyPath = keyPath;
  }

  /** Where the workspace is, for messages: the file, or `host:port/database`. */
  get path(): string {
    return this.store.location;
  }

  /**
   * The vault for this workspace's key. A workspace that has no key recorded yet adopts the key
   * file (creating it if missing); one that has refuses any other key.
   */
  async vault(): Promise<Vault> {
    if (this.#vault) return this.#vault;
    const recorded = await this.store.meta.get("key_id");
    const vault = loadMasterKey(this.#keyPath, {
      create: recorded === undefined,
      expectId: recorded,
    });
    if (recorded === undefined) {
      await this.store.meta.set("key_id", vault.keyId);
    } else if (recorded !== vault.keyId) {
      throw new KeyError(
        `the master key ${vault.keyPath} (id ${vault.keyId}) is not this workspace's key (id ${recorded})`,
        { hint: "set EVCRED_KEY_FILE to the key file this workspace was created with" },
      );
    }
    // A rotated workspace keeps the hash key its hashes were made with, sealed under this key.
    const hashKey = await this.store.meta.get(HASH_KEY_META);
    if (hashKey !== undefined) vault.adoptHashKey(Buffer.from(hashKey, "base64"));
    await this.store.bindLegacySeals(vault);
    this.#vault = vault;
    return vault;
  }

  /**
   * The vault, for a long-running process (`serve`): when another process rotated the key since
   * it was loaded, the new key file is loaded instead of failing every write.
   */
  async currentVault(): Promise<Vault> {
    if (this.#vault && (await this.store.meta.get("key_id")) !== this.#vault.keyId) {
      this.#vault = undefined;
    }
    return this.vault();
  }

  /** After a key rotation: the next `vault()` loads the key file again. */
  forgetVault(): void {
    this.#vault = undefined;
  }

  /**
   * Runs `fn` in one write transaction. If this command loaded the key and the workspace has
   * been re-keyed since (`evcred key rotate` in another process), nothing is written: what it
   * would seal or fingerprint would be under the old key.
   */
  transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T> {
    return this.store.transaction(async (tx) => {
      await this.#assertKeyCurrent(tx);
      return fn(tx);
    });
  }

  async #assertKeyCurrent(tx: Queries): Promise<void> {
    const loaded = this.#vault;
    if (loaded && (await tx.meta.get("key_id")) !== loaded.keyId) throw rotatedMeanwhile();
  }

  getMeta(key: string): Promise<string | undefined> {
    return this.store.meta.get(key);
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.store.meta.set(key, value);
  }

  /** See `Store.scrub`: false when it could not; never throws. */
  scrub(): Promise<boolean> {
    return this.store.scrub();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

function rotatedMeanwhile(): KeyError {
  return new KeyError(
    "the master key was rotated while this command ran; nothing of this step was written",
    { hint: "run the command again: it picks up the new key" },
  );
}

/** The queries of a transaction, or a workspace's own (outside any transaction). */
export function queriesOf(q: Queries | Workspace): Queries {
  return q instanceof Workspace ? q.store : q;
}

/** Opens the workspace at `options.path` (a file, or a PostgreSQL URL), migrated to this build. */
export async function openWorkspace(options: OpenOptions): Promise<Workspace> {
  if (isPostgresUrl(options.path)) {
    const { openPostgresStore } = await import("./postgres/store.js");
    const store = await openPostgresStore({
      url: options.path,
      applicationName: options.applicationName ?? "evcred",
    });
    return new Workspace(store, options.keyPath);
  }
  const { openSqliteStore } = await import("./sqlite/store.js");
  const store = openSqliteStore({ path: options.path, mustExist: options.mustExist === true });
  return new Workspace(store, options.keyPath);
}

/** Opens a SQLite workspace file: synchronously, as SQLite opens (for tools and tests). */
export function openSqliteWorkspace(options: OpenOptions): Workspace {
  const store = openSqliteStore({ path: options.path, mustExist: options.mustExist === true });
  return new Workspace(store, options.keyPath);
}
