/**
 * @module common/helpers.test
 * The small shared helpers: boolean words, MAC addresses, secret comparison, zod messages.
 */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { parseBooleanString, toBoolean } from "./boolean-string.ts";
import { MAC_ADDRESS_PATTERN, normalizeMacAddress } from "./mac-address.ts";
import { secretsEqual } from "./timing-safe-equal.ts";
import { describeZodError } from "./zod-issues.ts";

describe("boolean words (oslo strutils vocabulary)", () => {
  test("true and false words in any case; anything else is undefined", () => {
    for (const w of ["1", "t", "True", "ON", "y", "yes"]) expect(parseBooleanString(w)).toBe(true);
    for (const w of ["0", "f", "FALSE", "off", "n", " no "]) expect(parseBooleanString(w)).toBe(false);
    expect(parseBooleanString("maybe")).toBeUndefined();
    expect([toBoolean(true), toBoolean(0), toBoolean("False"), toBoolean(null)]).toEqual([true, false, false, undefined]);
  });
});

describe("MAC addresses", () => {
  test("':' or '-', any case, PXE's 01- form; Ironic's form out", () => {
    expect(normalizeMacAddress("01-52-54-00-AB-cd-01")).toBe("52:54:00:ab:cd:01");
    expect(normalizeMacAddress("52-54-00-12-34-56")).toBe("52:54:00:12:34:56");
    expect(normalizeMacAddress("52:54:00:12:34")).toBeNull();
    expect(normalizeMacAddress("02-52-54-00-12-34-56")).toBeNull();
    expect(MAC_ADDRESS_PATTERN.test("52:54:00:12:34:5G")).toBe(false);
  });
});

describe("secretsEqual", () => {
  test("equal only when both are given and identical", () => {
    expect(secretsEqual("a".repeat(32), "a".repeat(32))).toBe(true);
    expect(secretsEqual("a".repeat(32), "a".repeat(31) + "b")).toBe(false);
    expect(secretsEqual("abc", "abcd")).toBe(false);
    expect(secretsEqual(null, "x")).toBe(false);
    expect(secretsEqual("", "")).toBe(false);
  });
});

describe("describeZodError", () => {
  const schema = z.strictObject({ image_info: z.object({ id: z.string(), urls: z.array(z.string()) }) });
  test("path: message per issue, unknown keys named, root labelled when asked", () => {
    const r = schema.safeParse({ image_info: { id: 1 }, extra: true });
    expect(r.success).toBe(false);
    const text = describeZodError(r.error!);
    expect(text).toContain("image_info.id: ");
    expect(text).toContain("image_info.urls: ");
    expect(text).toContain("unknown field(s) 'extra'");
    expect(describeZodError(z.object({}).safeParse("x").error!, { root: "params" })).toMatch(/^params: /);
  });
  test("at most `limit` issues, the rest counted", () => {
    const r = z.array(z.number()).safeParse(["a", "b", "c"]);
    expect(describeZodError(r.error!, { limit: 2 })).toMatch(/; and 1 more$/);
  });
});
