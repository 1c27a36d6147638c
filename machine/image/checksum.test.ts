import { describe, expect, test } from "bun:test";
import { algoFromValue, parseChecksumFile, resolveExpectedChecksum } from "./checksum.ts";

const noFetch = async () => {
  throw new Error("no fetch expected");
};

describe("checksum", () => {
  test("algorithm follows the value's length; md5 needs permission", () => {
    expect(algoFromValue("a".repeat(64), false).algo).toBe("sha256");
    expect(algoFromValue("A".repeat(128), false)).toEqual({ algo: "sha512", value: "a".repeat(128) });
    expect(() => algoFromValue("a".repeat(32), false)).toThrow(/md5/i);
    expect(algoFromValue("a".repeat(32), true).algo).toBe("md5");
    expect(() => algoFromValue("xyz", false)).toThrow(/not a known hash/);
  });

  test("os_hash_* wins over checksum; sha1 is refused", async () => {
    const r = await resolveExpectedChecksum(
      { checksum: "b".repeat(64), os_hash_algo: "sha512", os_hash_value: "c".repeat(128) },
      { md5Allowed: false, fetchText: noFetch, imageFileName: "x" },
    );
    expect(r).toEqual({ algo: "sha512", value: "c".repeat(128) });
    await expect(
      resolveExpectedChecksum({ os_hash_algo: "sha1", os_hash_value: "d".repeat(40) }, { md5Allowed: true, fetchText: noFetch, imageFileName: "x" }),
    ).rejects.toMatchObject({ code: "ImageChecksumUnsupported" });
  });

  test("checksum files: GNU, BSD, lone hash, no entry", () => {
    const h = "e".repeat(64);
    expect(parseChecksumFile(`${"0".repeat(64)}  a.img\n${h} *./disk.img\n`, "disk.img")).toBe(h);
    expect(parseChecksumFile(`SHA256 (disk.img) = ${h}\n`, "disk.img")).toBe(h);
    expect(parseChecksumFile(`${h}\n`, "disk.img")).toBe(h);
    expect(parseChecksumFile(`${h}  a.img\n${h}  b.img\n`, "disk.img")).toBeNull();
  });
});
