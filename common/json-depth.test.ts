import { describe, expect, test } from "bun:test";
import { jsonDepth, MAX_JSON_DEPTH, withinJsonDepth } from "./json-depth.ts";

describe("jsonDepth", () => {
  test("scalars nest 0 deep, each object or array one more", () => {
    expect(jsonDepth("1")).toBe(0);
    expect(jsonDepth('"x"')).toBe(0);
    expect(jsonDepth("{}")).toBe(1);
    expect(jsonDepth('{"a": [1, {"b": 2}]}')).toBe(3);
    expect(jsonDepth("[[], [[]], []]")).toBe(3);
  });

  test("brackets inside strings do not count, escaped quotes do not end a string", () => {
    expect(jsonDepth('{"k": "[[[[{{{{"}')).toBe(1);
    expect(jsonDepth('["a\\"[[[[", "\\\\", [1]]')).toBe(2);
    expect(jsonDepth('["\\\\\\"[[["]')).toBe(1);
    expect(jsonDepth('{"[[[": {"}}}": []}}')).toBe(3);
  });

  test("agrees with the real depth of generated documents", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const build = (d: number): { doc: unknown; depth: number } => {
      if (d === 0 || rnd() < 0.2) return { doc: rnd() < 0.5 ? 'x"[{\\' : 1, depth: 0 };
      const kids = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => build(d - 1));
      const depth = 1 + Math.max(...kids.map((k) => k.depth));
      const doc = rnd() < 0.5 ? kids.map((k) => k.doc) : Object.fromEntries(kids.map((k, i) => [`k[${i}"`, k.doc]));
      return { doc, depth };
    };
    for (let i = 0; i < 200; i++) {
      const { doc, depth } = build(12);
      expect(jsonDepth(JSON.stringify(doc))).toBe(depth);
    }
  });

  test("stops early and says Infinity once past the limit, without recursion", () => {
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    expect(jsonDepth(deep)).toBe(1_000_000);
    expect(jsonDepth(deep, 32)).toBe(Number.POSITIVE_INFINITY);
    expect(withinJsonDepth(deep)).toBe(false);
  });

  test("the limit is inclusive", () => {
    const at = (n: number) => '{"a":'.repeat(n - 1) + "{}" + "}".repeat(n - 1);
    expect(jsonDepth(at(MAX_JSON_DEPTH))).toBe(MAX_JSON_DEPTH);
    expect(withinJsonDepth(at(MAX_JSON_DEPTH))).toBe(true);
    expect(withinJsonDepth(at(MAX_JSON_DEPTH + 1))).toBe(false);
  });

  test("malformed text is measured as far as it goes", () => {
    expect(jsonDepth("[[[")).toBe(3);
    expect(jsonDepth("]]]{")).toBe(1);
    expect(jsonDepth('["unterminated [[[[')).toBe(1);
  });

  test("a long string is skipped, not walked character by character", () => {
    const big = JSON.stringify({ configdrive: "A".repeat(64 * 1024 * 1024) });
    expect(jsonDepth(big)).toBe(1);
  });
});
