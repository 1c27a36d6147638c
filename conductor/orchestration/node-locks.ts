/**
 * @module conductor/orchestration/node-locks
 * One operation per node at a time (Ironic's reservation). In memory only: a conductor that
 * dies holds no lock after restart, and recovery settles the nodes it was working on.
 */

export interface NodeLocks {
  /** Takes the lock, or returns null when the node is busy. */
  tryLock(uuid: string, purpose: string): (() => void) | null;
  holder(uuid: string): string | null;
  size(): number;
}

/**
 * @example
 * const release = locks.tryLock(node.uuid, "deploy");
 * if (!release) throw conductorError("NODE_LOCKED", { node: node.uuid, host: "teeth" });
 * try { ... } finally { release(); }
 */
export function createNodeLocks(): NodeLocks {
  const held = new Map<string, string>();
  return {
    tryLock(uuid, purpose) {
      if (held.has(uuid)) return null;
      held.set(uuid, purpose);
      let released = false;
      return () => {
        if (!released) held.delete(uuid);
        released = true;
      };
    },
    holder: (uuid) => held.get(uuid) ?? null,
    size: () => held.size,
  };
}
