/**
 * @module conductor/drivers/redfish/connection-cache
 * Connections kept per BMC and user (Ironic's `SessionCache`), so a session is created once
 * and reused by every call for the nodes behind that BMC. The key also holds a digest of the
 * password (a changed password is a new login, never a stale session) and the TLS choice.
 * Bounded: past the size, the least recently used connection is logged out.
 */
import { createHash } from "node:crypto";
import type { RedfishConnection } from "./connection.ts";
import type { RedfishTarget } from "./driver-info.ts";

export interface ConnectionCache {
  /** The cached connection for `target`, made with `open` when there is none. */
  get(target: RedfishTarget, open: (target: RedfishTarget) => RedfishConnection): RedfishConnection;
  /** Logs every connection out and forgets them. */
  closeAll(): Promise<void>;
  readonly size: number;
}

/** The cache key: nothing secret in it (the password only as a digest). */
export function connectionKey(t: RedfishTarget): string {
  const pw = createHash("sha256").update(t.password ?? "").digest("hex").slice(0, 16);
  return JSON.stringify([t.origin, t.rootPrefix, t.username, pw, t.verifyCa, t.authType]);
}

/**
 * Creates a cache holding at most `maxSize` connections.
 * @example
 * const cache = createConnectionCache(1000);
 * const conn = cache.get(target, (t) => createConnection(t, deps));
 */
export function createConnectionCache(maxSize: number): ConnectionCache {
  const conns = new Map<string, RedfishConnection>();
  return {
    get(target, open) {
      const key = connectionKey(target);
      let conn = conns.get(key);
      if (conn) {
        conns.delete(key); // re-inserted last: most recently used
      } else {
        conn = open(target);
      }
      conns.set(key, conn);
      while (conns.size > maxSize) {
        const [oldestKey, oldest] = conns.entries().next().value as [string, RedfishConnection];
        conns.delete(oldestKey);
        void oldest.close();
      }
      return conn;
    },
    async closeAll() {
      const all = [...conns.values()];
      conns.clear();
      await Promise.allSettled(all.map((c) => c.close()));
    },
    get size() {
      return conns.size;
    },
  };
}
