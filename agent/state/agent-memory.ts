/**
 * @module agent/state/agent-memory
 * The agent's memory between commands (`ManagerContext.memory`): a map that lives as long as
 * the process, so a RAM disk that reboots forgets everything in it, as IPA's extensions do.
 */
import type { AgentMemory } from "../../hardware-managers/contract/index.ts";

/**
 * @example
 * const memory = createAgentMemory();
 * memory.set("generic.cached_image", { id: "os.raw", ... });
 */
export function createAgentMemory(): AgentMemory {
  const values = new Map<string, unknown>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => void values.set(key, value),
    delete: (key) => void values.delete(key),
  };
}
