/** The threaded hasher gives the same digests as the in-thread one, however the bytes are cut. */
import { describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { createParallelHasher } from "./parallel-hasher.ts";

const data = randomBytes(5 * 65536 + 123);

function digestOf(algo: string, cuts: number, options = { slots: 3, slotSize: 65536 }): string {
  const hasher = createParallelHasher(algo, options);
  try {
    for (let at = 0; at < data.length; at += cuts) hasher.update(data.subarray(at, at + cuts));
    return hasher.digest();
  } finally {
    hasher.close();
  }
}

describe("parallel hasher", () => {
  for (const algo of ["sha256", "sha384", "sha512", "md5"]) {
    test(`${algo}: same digest for every way of cutting the input, through a ring smaller than it`, () => {
      const expected = createHash(algo).update(data).digest("hex");
      for (const cut of [1000, 65536, 65537, 200_000, data.length]) expect(digestOf(algo, cut)).toBe(expected);
    });
  }

  test("no input is the digest of nothing; close is idempotent; update after close throws", () => {
    const hasher = createParallelHasher("sha256");
    expect(hasher.digest()).toBe(createHash("sha256").digest("hex"));
    hasher.close();
    expect(() => hasher.update(new Uint8Array(1))).toThrow(/closed/);
    const abandoned = createParallelHasher("sha256");
    abandoned.update(data);
    abandoned.close();
    abandoned.close();
    expect(() => abandoned.update(data)).toThrow(/closed/);
  });

  test("a worker that cannot hash reports a failure instead of hanging", () => {
    const hasher = createParallelHasher("no-such-algorithm", { stallMs: 2000 });
    try {
      hasher.update(data);
      expect(() => hasher.digest()).toThrow(/hash worker failed/);
    } finally {
      hasher.close();
    }
  });
});
