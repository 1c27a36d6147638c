/**
 * @module agent/plugins/load-plugins
 * Loads vendor hardware managers from a directory of self-contained `.js` files at start.
 * A broken plugin is logged and skipped, never fatal. An operation whose name is neither a
 * known one (`KNOWN_OPERATIONS`) nor one of the manager's own steps is loaded but warned
 * about: a misspelled `prepare_imag` would otherwise never be called, silently.
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Logger } from "../../common/logger.ts";
import { KNOWN_OPERATIONS, type HardwareManager } from "../../hardware-managers/contract/index.ts";

function looksLikeManager(value: unknown): value is HardwareManager {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.name === "string" && m.name.length > 0 && typeof m.version === "string" && typeof m.evaluateSupport === "function";
}

/**
 * Operation names of `manager` that nothing will call by that name: not a known operation and
 * not a step it advertises in a static list (steps given by a function cannot be checked).
 * @example
 * unknownOperations({ name: "x", version: "1", evaluateSupport: () => 3, operations: { prepare_imag() {} } }) // ["prepare_imag"]
 */
export function unknownOperations(manager: HardwareManager): string[] {
  const steps = [manager.cleanSteps, manager.deploySteps, manager.serviceSteps];
  if (steps.some((s) => typeof s === "function")) return [];
  const stepNames = new Set(steps.flatMap((s) => (Array.isArray(s) ? s.map((step) => step.step) : [])));
  return Object.keys(manager.operations ?? {}).filter((name) => !(KNOWN_OPERATIONS as readonly string[]).includes(name) && !stepNames.has(name));
}

/**
 * Imports every `*.js` / `*.mjs` file of `dir` (sorted by name, so registration order is
 * predictable) and returns the managers they export (default export, or any export that is a
 * manager, or an array of managers).
 * @example const managers = await loadPlugins("/etc/teeth/hardware-managers", logger);
 */
export async function loadPlugins(dir: string, logger: Logger): Promise<HardwareManager[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => /\.m?js$/.test(f)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") logger.warn({ dir, err: error }, "cannot read the hardware-managers directory");
    else logger.debug({ dir }, "no hardware-managers directory");
    return [];
  }
  const managers: HardwareManager[] = [];
  for (const file of files) {
    const path = resolve(join(dir, file));
    try {
      const mod = (await import(path)) as Record<string, unknown>;
      const found = Object.values(mod)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .filter(looksLikeManager);
      const unique = [...new Set(found)];
      if (unique.length === 0) {
        logger.error({ plugin: path }, "plugin exports no hardware manager (name, version, evaluateSupport); skipped");
        continue;
      }
      for (const m of unique) {
        if (m.operations !== undefined && (typeof m.operations !== "object" || m.operations === null)) {
          logger.error({ plugin: path, manager: m.name }, "plugin's operations is not an object; skipped");
          continue;
        }
        const unknown = unknownOperations(m);
        if (unknown.length) {
          logger.warn(
            { plugin: path, manager: m.name, operations: unknown, known: KNOWN_OPERATIONS },
            "plugin implements operations that are neither known operations nor its own steps; check their spelling",
          );
        }
        managers.push(m);
        logger.info({ plugin: path, manager: m.name, version: m.version }, "hardware-manager plugin loaded");
      }
    } catch (error) {
      logger.error({ plugin: path, err: error }, "hardware-manager plugin failed to load; skipped");
    }
  }
  return managers;
}
