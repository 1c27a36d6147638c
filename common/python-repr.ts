/**
 * @module common/python-repr
 * A JSON value as Python's `repr()` prints it (`{'interface': 'deploy', 'args': {'force': True}}`):
 * Ironic and IPA put user-given steps and values into messages that way, and a client that
 * compares messages (or a human used to Ironic's) should read the same text.
 */

/** Python's `repr` of a string: single quotes unless the text holds one and no double quote. */
function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch < " " || ch === "\x7f") out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * @example
 * pythonRepr({ interface: "deploy", step: "erase_devices", args: { force: true, n: null } })
 * // "{'interface': 'deploy', 'step': 'erase_devices', 'args': {'force': True, 'n': None}}"
 */
export function pythonRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : v > 0 ? "inf" : v < 0 ? "-inf" : "nan";
  if (typeof v === "string") return reprString(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(", ")}]`;
  if (typeof v === "object") return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${reprString(k)}: ${pythonRepr(x)}`).join(", ")}}`;
  return reprString(String(v));
}
