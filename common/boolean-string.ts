/**
 * @module common/boolean-string
 * Booleans written as text (kernel command line, Ironic's CLI, node properties), read as
 * oslo's `strutils.bool_from_string` reads them, case-insensitively: IPA and Ironic agree on
 * this vocabulary, so an operator's "True", "yes" or "1" means the same everywhere.
 */

export const TRUE_WORDS: readonly string[] = Object.freeze(["1", "t", "true", "on", "y", "yes"]);
export const FALSE_WORDS: readonly string[] = Object.freeze(["0", "f", "false", "off", "n", "no"]);

/**
 * True or false for a boolean word, undefined for anything else.
 * @example
 * parseBooleanString(" True ") // true
 * parseBooleanString("off")    // false
 * parseBooleanString("maybe")  // undefined
 */
export function parseBooleanString(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  return undefined;
}

/**
 * A boolean from a JSON value that may be a boolean, a boolean word or a number (0 is false).
 * @example
 * toBoolean("False") // false
 * toBoolean(1)       // true
 * toBoolean(null)    // undefined
 */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return parseBooleanString(value);
  if (typeof value === "number") return value !== 0;
  return undefined;
}
