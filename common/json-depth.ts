/**
 * @module common/json-depth
 * How deeply a JSON text nests, found by one iterative scan of the text, before anything
 * parses it. `JSON.parse` accepts any depth, but what comes out of it (`JSON.stringify`,
 * `structuredClone`, zod, SQLite's json functions) recurses and overflows the stack on a
 * document nested a few thousand levels deep; refusing such a body up front costs a scan
 * and no recursion. Brackets inside strings do not count.
 */

/**
 * The deepest a body sent to the conductor may nest. Ironic sets no limit (Python's json
 * gives up near 1,000 levels); real bodies nest under 10 (network_data, RAID configs, an
 * inventory), so 32 refuses only documents built to hurt.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest a command sent to the agent may nest: twice the conductor's, because a command
 * embeds documents the conductor stored (a node's `extra` inside `params.node`).
 */
export const MAX_AGENT_JSON_DEPTH = 2 * MAX_JSON_DEPTH;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Index of the quote that ends the string whose opening quote is at `open`, or -1. */
function stringEnd(text: string, open: number): number {
  let i = open + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return -1;
    // The quote is escaped when an odd number of backslashes precedes it.
    let slashes = 0;
    for (let k = q - 1; k > open && text.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q;
    i = q + 1;
  }
}

/**
 * The deepest nesting of objects and arrays in `text` (0 for a scalar), or `Infinity` as soon
 * as it passes `stopAbove` (so a hostile body is not scanned to its end). Malformed text is
 * measured as far as it goes; `JSON.parse` judges its syntax afterwards.
 * @example
 * jsonDepth('{"a": [1, {"b": "[[["}]}'); // 3
 * jsonDepth("[".repeat(100_000), 64);    // Infinity
 */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) break;
      i = end;
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return Number.POSITIVE_INFINITY;
      }
    } else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) {
      if (depth > 0) depth--;
    }
  }
  return max;
}

/**
 * True when `text` nests no deeper than `limit`.
 * @example
 * if (!withinJsonDepth(body)) throw badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
 */
export function withinJsonDepth(text: string, limit = MAX_JSON_DEPTH): boolean {
  return jsonDepth(text, limit) <= limit;
}
