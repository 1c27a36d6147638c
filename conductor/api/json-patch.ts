/**
 * @module conductor/api/json-patch
 * RFC 6902 `add`/`replace`/`remove` on a plain JSON document, with Ironic's rules: a path
 * names a field (`/name`) or a key inside a dict field (`/driver_info/ipmi_address`).
 */
import type { JsonPatch } from "../../protocol/ironic-api.ts";
import { conductorError } from "../errors.ts";

type Json = Record<string, unknown>;

function unescape(seg: string): string {
  return seg.replaceAll("~1", "/").replaceAll("~0", "~");
}

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** `add` (at an index or `-`), `replace` and `remove` on a list element. */
function patchList(list: unknown[], key: string, p: JsonPatch[number]): void {
  const i = key === "-" && p.op === "add" ? list.length : /^\d+$/.test(key) ? Number(key) : -1;
  const max = p.op === "add" ? list.length : list.length - 1;
  if (i < 0 || i > max) throw conductorError("INVALID_PARAMETER", { reason: `Invalid patch path ${p.path}: no index ${key}` });
  if (p.op === "add") list.splice(i, 0, structuredClone(p.value));
  else if (p.op === "replace") list[i] = structuredClone(p.value);
  else list.splice(i, 1);
}

/**
 * Applies `patch` to a deep copy of `doc`; `writable` lists top-level fields that may change.
 * @example
 * applyPatch({ name: "a", extra: {} }, [{ op: "add", path: "/extra/x", value: 1 }], new Set(["name", "extra"]));
 */
export function applyPatch(doc: Json, patch: JsonPatch, writable: ReadonlySet<string>): Json {
  const out = structuredClone(doc);
  for (const p of patch) {
    const segs = p.path.slice(1).split("/").map(unescape);
    const field = segs[0]!;
    if (segs.some((s) => FORBIDDEN_KEYS.has(s) || s === "")) throw conductorError("INVALID_PARAMETER", { reason: `Invalid patch path ${p.path}` });
    if (!writable.has(field)) {
      throw conductorError("INVALID_PARAMETER", { reason: `'/${field}' is an internal attribute and can not be updated` });
    }
    let parent: Json = out;
    for (const s of segs.slice(0, -1)) {
      // Lists are walked by index (a deploy template's /steps/0/priority), as RFC 6902.
      const next = Array.isArray(parent) ? (/^\d+$/.test(s) ? parent[Number(s)] : undefined) : parent[s];
      if (next === null || typeof next !== "object") {
        throw conductorError("INVALID_PARAMETER", { reason: `Adding a new attribute (${p.path}) to the root of the resource is not allowed.` });
      }
      parent = next as Json;
    }
    const key = segs.at(-1)!;
    if (Array.isArray(parent)) {
      patchList(parent, key, p);
      continue;
    }
    const exists = Object.hasOwn(parent, key);
    if (p.op === "remove") {
      if (!exists) throw conductorError("INVALID_PARAMETER", { reason: `can't remove non-existent object '${key}'` });
      if (segs.length === 1) parent[key] = null;
      else delete parent[key];
    } else {
      if (p.op === "replace" && !exists && segs.length > 1) {
        throw conductorError("INVALID_PARAMETER", { reason: `can't replace non-existent object '${key}'` });
      }
      parent[key] = structuredClone(p.value);
    }
  }
  return out;
}
