/**
 * The libz/libzstd decoders against the tools' own output: fed in awkward pieces, several
 * members or frames, output larger than the reused buffer, and a truncated stream.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "bun";
import { createNativeDecoder } from "./native-decoder.ts";

function tool(args: string[], input: Uint8Array): Uint8Array {
  const r = spawnSync(args, { stdin: input });
  if (r.exitCode !== 0) throw new Error(`${args[0]} failed`);
  return new Uint8Array(r.stdout);
}

function decodeAll(kind: "gzip" | "zstd", packed: Uint8Array, piece: number): Uint8Array {
  const d = createNativeDecoder(kind)!;
  const out: Uint8Array[] = [];
  try {
    for (let at = 0; at < packed.length; at += piece) {
      d.push(packed.subarray(at, at + piece));
      for (let o = d.pull(); o; o = d.pull()) out.push(o.slice());
    }
    d.finish();
  } finally {
    d.close();
  }
  return Buffer.concat(out);
}

// 3 MiB: random, then zeros (one small input expands past the 1 MiB output buffer).
const plain = new Uint8Array(3 << 20);
plain.set(crypto.getRandomValues(new Uint8Array(1 << 16)), 0);
plain.set(crypto.getRandomValues(new Uint8Array(1 << 16)), 2 << 20);

describe.each([
  ["gzip", ["gzip", "-c", "-1"]],
  ["zstd", ["zstd", "-c", "-q", "-3"]],
] as const)("%s native decoder", (kind, compress) => {
  const packed = tool([...compress], plain);

  test.each([1, 7, 4096, 1 << 20])("decodes input fed %i bytes at a time", (piece) => {
    expect(Buffer.from(decodeAll(kind, packed, piece)).equals(Buffer.from(plain))).toBe(true);
  });

  test("concatenated members or frames read as one stream", () => {
    const twice = Buffer.concat([packed, packed]);
    expect(Buffer.from(decodeAll(kind, twice, 65536)).equals(Buffer.concat([plain, plain]))).toBe(true);
  });

  test("a truncated stream fails", () => {
    expect(() => decodeAll(kind, packed.subarray(0, packed.length - 100), 65536)).toThrow(/truncated|unexpected end/);
  });

  test("corrupt data fails", () => {
    const bad = packed.slice();
    bad.fill(0xff, 64, 4096);
    expect(() => decodeAll(kind, bad, 65536)).toThrow();
  });
});
