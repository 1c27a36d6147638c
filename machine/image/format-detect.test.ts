import { describe, expect, test } from "bun:test";
import { checkDeclared, detectFormat } from "./format-detect.ts";

const bytes = (...b: number[]) => Uint8Array.from([...b, ...new Array(600).fill(0)]);

describe("format detection", () => {
  test("magic numbers", () => {
    expect(detectFormat(bytes(0x1f, 0x8b, 8))).toBe("gzip");
    expect(detectFormat(bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0))).toBe("xz");
    expect(detectFormat(bytes(0x28, 0xb5, 0x2f, 0xfd))).toBe("zstd");
    expect(detectFormat(bytes(0x51, 0x46, 0x49, 0xfb))).toBe("qcow2");
    expect(detectFormat(Uint8Array.from(Buffer.from("KDMV")))).toBe("vmdk");
    expect(detectFormat(bytes(0xeb, 0x63, 0x90))).toBe("raw");
  });

  test("declared vs detected", () => {
    expect(checkDeclared("raw", "raw")).toBe("raw");
    expect(checkDeclared("raw", "iso")).toBe("raw");
    expect(checkDeclared("qcow2", null)).toBe("qcow2");
    expect(() => checkDeclared("qcow2", "raw")).toThrow(/declared as raw/);
    expect(() => checkDeclared("raw", "qcow2")).toThrow(/declared as qcow2/);
    expect(() => checkDeclared("vmdk", null)).toThrow(/not supported/);
    expect(() => checkDeclared("raw", "vhdx")).toThrow(/not supported/);
  });
});
