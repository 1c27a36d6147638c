/**
 * @module conductor/store/node-traits
 * Where a node's traits are read from (`attrs.traits`), for the API and for orchestration
 * (allocations match them, deploy templates are chosen by them).
 */
import type { NodeRecord } from "./node-record.ts";

/**
 * A node's traits, as `PUT /v1/nodes/{id}/traits` stored them.
 * @example nodeTraits(node); // ["CUSTOM_GOLD", "HW_CPU_X86_AVX2"]
 */
export function nodeTraits(node: NodeRecord): string[] {
  const t = (node.attrs as { traits?: unknown }).traits;
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  if (t && typeof t === "object" && Array.isArray((t as { traits?: unknown }).traits)) return (t as { traits: string[] }).traits;
  return [];
}
