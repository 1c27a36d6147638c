/**
 * @module conductor/store/history-store
 * Each node's history (Ironic's `NodeHistory`): state changes with their reasons, failures,
 * power-state corrections and maintenance changes, newest last. Bounded per node: writing an
 * entry beyond the limit drops the oldest ones (Ironic's `node_history_max_entries`, 300).
 */
import type { Database } from "bun:sqlite";
import { randomUUID } from "node:crypto";

export type HistorySeverity = "INFO" | "ERROR";

export interface HistoryEntry {
  uuid: string;
  node_uuid: string;
  created_at: number;
  severity: HistorySeverity;
  event_type: string;
  event: string;
  conductor: string | null;
  user: string | null;
}

export type NewHistoryEntry = Omit<HistoryEntry, "uuid" | "created_at"> & { created_at?: number };

/** Ironic's default `[conductor] node_history_max_entries`. */
export const HISTORY_MAX_ENTRIES = 300;

export interface HistoryStore {
  record(entry: NewHistoryEntry): HistoryEntry;
  /** Oldest first, after `marker` (an entry's uuid), at most `limit`. */
  list(nodeUuid: string, options?: { limit?: number; marker?: string }): HistoryEntry[];
  get(nodeUuid: string, uuid: string): HistoryEntry | null;
}

/**
 * Creates the history store.
 * @example
 * createHistoryStore(db).record({ node_uuid, severity: "ERROR", event_type: "deploying", event: "boom", conductor: "c1", user: null });
 */
export function createHistoryStore(db: Database, maxEntries = HISTORY_MAX_ENTRIES): HistoryStore {
  const insert = db.query(
    "INSERT INTO node_history (uuid, node_uuid, seq, created_at, severity, event_type, event, conductor, user) VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM node_history WHERE node_uuid = ?), ?, ?, ?, ?, ?, ?)",
  );
  // Keeps the newest maxEntries of the node: one indexed delete per write.
  const trim = db.query(
    "DELETE FROM node_history WHERE node_uuid = ? AND seq <= (SELECT MAX(seq) FROM node_history WHERE node_uuid = ?) - ?",
  );
  const page = db.query<HistoryEntry, [string, string, string, number]>(
    "SELECT uuid, node_uuid, created_at, severity, event_type, event, conductor, user FROM node_history WHERE node_uuid = ? AND seq > COALESCE((SELECT seq FROM node_history WHERE node_uuid = ? AND uuid = ?), 0) ORDER BY seq LIMIT ?",
  );
  const one = db.query<HistoryEntry, [string, string]>(
    "SELECT uuid, node_uuid, created_at, severity, event_type, event, conductor, user FROM node_history WHERE node_uuid = ? AND uuid = ?",
  );
  return {
    record(e) {
      const entry: HistoryEntry = { ...e, uuid: randomUUID(), created_at: e.created_at ?? Date.now() };
      db.transaction(() => {
        insert.run(entry.uuid, entry.node_uuid, entry.node_uuid, entry.created_at, entry.severity, entry.event_type, entry.event.slice(0, 65536), entry.conductor, entry.user);
        trim.run(entry.node_uuid, entry.node_uuid, maxEntries);
      })();
      return entry;
    },
    list(nodeUuid, { limit = maxEntries, marker = "" } = {}) {
      return page.all(nodeUuid, nodeUuid, marker, limit);
    },
    get(nodeUuid, uuid) {
      return one.get(nodeUuid, uuid) ?? null;
    },
  };
}
