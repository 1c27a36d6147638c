/**
 * @module machine/inventory/spec-matcher
 * The expression language of root device hints, as oslo.utils `specs_matcher` defines it:
 * an optional operator followed by one value ("s== foo", ">= 100"), or repeated values for
 * "<or> a <or> b" and "<all-in> a b". Numeric operators compare as floats; "=" means ">=",
 * a historical quirk of specs_matcher that hints inherit.
 */

export const NUMERIC_OPS = ["=", "==", "!=", "<=", "<", ">=", ">"] as const;
export const STRING_OPS = ["s==", "s!=", "s<=", "s<", "s>=", "s>", "<in>", "<all-in>", "<or>"] as const;
export type SpecOp = (typeof NUMERIC_OPS)[number] | (typeof STRING_OPS)[number];

export interface Spec {
  /** null when the expression is a bare value (plain equality). */
  op: SpecOp | null;
  values: string[];
}

// Longest first, so "s==" is not read as "s" + "==", nor ">=" as ">".
const OPS_BY_LENGTH: SpecOp[] = [...STRING_OPS, ...NUMERIC_OPS].sort((a, b) => b.length - a.length);

/**
 * Splits an expression into operator and values. Operators are case-insensitive.
 * @example
 * parseSpec("<or> 100 <or> 200") // { op: "<or>", values: ["100", "200"] }
 * parseSpec("Samsung SSD")       // { op: null, values: ["Samsung SSD"] }
 */
export function parseSpec(expression: string): Spec {
  const text = expression.trim();
  const lower = text.toLowerCase();
  for (const op of OPS_BY_LENGTH) {
    if (!lower.startsWith(op)) continue;
    const rest = text.slice(op.length);
    // An operator needs a value after it; "<" alone or "s" prefixes of words are plain values.
    if (!rest.trim()) break;
    if (op === "<or>") return { op, values: split(rest, /<or>/i) };
    if (op === "<all-in>") return { op, values: rest.trim().split(/\s+/) };
    return { op, values: [rest.trim()] };
  }
  return { op: null, values: [text] };
}

function split(text: string, separator: RegExp): string[] {
  return text
    .split(separator)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Evaluates a spec against a string value (string hints compare case-insensitively upstream). */
export function matchString(value: string, spec: Spec): boolean {
  const [first = ""] = spec.values;
  switch (spec.op) {
    case null:
    case "s==":
      return value === first;
    case "s!=":
      return value !== first;
    case "s<":
      return value < first;
    case "s<=":
      return value <= first;
    case "s>":
      return value > first;
    case "s>=":
      return value >= first;
    case "<in>":
      return value.includes(first);
    case "<all-in>":
      return spec.values.every((v) => value.includes(v));
    case "<or>":
      return spec.values.includes(value);
    default:
      return matchNumber(Number(value), spec);
  }
}

/** Evaluates a spec against a number; string operators compare its decimal text. */
export function matchNumber(value: number, spec: Spec): boolean {
  const [first = "NaN"] = spec.values;
  const n = Number(first);
  switch (spec.op) {
    case null:
    case "==":
      return value === n;
    case "=":
    case ">=":
      return value >= n;
    case "!=":
      return value !== n;
    case "<=":
      return value <= n;
    case "<":
      return value < n;
    case ">":
      return value > n;
    case "<or>":
      return spec.values.some((v) => Number(v) === value);
    default:
      return matchString(String(value), spec);
  }
}
