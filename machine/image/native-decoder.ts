/**
 * @module machine/image/native-decoder
 * gzip and zstd decoders on the system's libz and libzstd (bun:ffi) that write into one
 * reused output buffer. node:zlib allocates a fresh buffer per output chunk, and those
 * buffers only leave the agent's RSS when the GC gets to them: with an image streaming at
 * disk speed that garbage alone pushed the agent past its memory budget. Here a 2 GiB image
 * decompresses through the same 1 MiB. `null` when a library is missing: the caller falls
 * back to node:zlib.
 */
import { dlopen, FFIType, ptr, CString, type Pointer } from "bun:ffi";

/**
 * A streaming decoder with one output buffer: `push` an input chunk, then `pull` until null.
 * Each pulled view is valid until the next `pull`; the pushed chunk must stay untouched
 * until `pull` returns null.
 */
export interface NativeDecoder {
  push(input: Uint8Array): void;
  /** The next stretch of output, or null when the pushed input is used up. */
  pull(): Uint8Array | null;
  /** Throws when the stream ended early (a truncated file). */
  finish(): void;
  /** Releases the native state; safe to call twice. */
  close(): void;
}

const OUTPUT_BYTES = 1 << 20;

type Zstd = ReturnType<typeof loadZstd>;
type Zlib = ReturnType<typeof loadZlib>;
let zstdLib: Zstd | null | undefined;
let zlibLib: Zlib | null | undefined;

function loadZstd() {
  return dlopen("libzstd.so.1", {
    ZSTD_createDStream: { args: [], returns: FFIType.ptr },
    ZSTD_freeDStream: { args: [FFIType.ptr], returns: FFIType.u64 },
    ZSTD_initDStream: { args: [FFIType.ptr], returns: FFIType.u64 },
    ZSTD_decompressStream: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.u64 },
    ZSTD_isError: { args: [FFIType.u64], returns: FFIType.u32 },
    ZSTD_getErrorName: { args: [FFIType.u64], returns: FFIType.ptr },
  }).symbols;
}

function loadZlib() {
  return dlopen("libz.so.1", {
    inflateInit2_: { args: [FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    inflate: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    inflateReset: { args: [FFIType.ptr], returns: FFIType.i32 },
    inflateEnd: { args: [FFIType.ptr], returns: FFIType.i32 },
  }).symbols;
}

function tryLoad<T>(load: () => T): T | null {
  try {
    return load();
  } catch {
    // No such library on this system (or no FFI): node:zlib does the work instead.
    return null;
  }
}

/**
 * @example
 * const d = createNativeDecoder("zstd");
 * for (const c of chunks) { d.push(c); for (let out; (out = d.pull()); ) disk.write(out); }
 * d.finish(); d.close();
 */
export function createNativeDecoder(kind: "gzip" | "zstd"): NativeDecoder | null {
  if (kind === "zstd") {
    if (zstdLib === undefined) zstdLib = tryLoad(loadZstd);
    return zstdLib ? zstdDecoder(zstdLib) : null;
  }
  if (zlibLib === undefined) zlibLib = tryLoad(loadZlib);
  return zlibLib ? gzipDecoder(zlibLib) : null;
}

function zstdDecoder(z: Zstd): NativeDecoder {
  const stream = z.ZSTD_createDStream();
  if (!stream) throw new Error("ZSTD_createDStream failed");
  z.ZSTD_initDStream(stream);
  const output = new Uint8Array(OUTPUT_BYTES);
  // ZSTD_inBuffer / ZSTD_outBuffer: { pointer, size, pos } as three size_t.
  const inBuf = new BigUint64Array(3);
  const outBuf = new BigUint64Array([BigInt(ptr(output)), BigInt(OUTPUT_BYTES), 0n]);
  const inPtr = ptr(inBuf);
  const outPtr = ptr(outBuf);
  let frameOpen = false;
  let outputFull = false;
  // Held so the pushed chunk stays alive while its address sits in inBuf.
  let input: Uint8Array | null = null;
  let live = true;
  return {
    push(chunk) {
      input = chunk;
      inBuf[0] = chunk.length ? BigInt(ptr(chunk)) : 0n;
      inBuf[1] = BigInt(chunk.length);
      inBuf[2] = 0n;
    },
    pull() {
      for (;;) {
        // Done with this input once it is consumed and the last call did not fill the output.
        if (input === null || (inBuf[2]! >= inBuf[1]! && !outputFull)) {
          input = null;
          return null;
        }
        outBuf[2] = 0n;
        const consumedBefore = inBuf[2];
        const code = z.ZSTD_decompressStream(stream, outPtr, inPtr);
        if (z.ZSTD_isError(code)) throw new Error(new CString(z.ZSTD_getErrorName(code) as Pointer).toString());
        // 0: a frame ended and is fully flushed. A call that moved nothing (after a frame's
        // end, with no input left) only hints at the next frame's header size.
        if (inBuf[2] !== consumedBefore || outBuf[2] !== 0n) frameOpen = BigInt(code) !== 0n;
        const produced = Number(outBuf[2]);
        outputFull = produced === OUTPUT_BYTES;
        if (produced > 0) return output.subarray(0, produced);
      }
    },
    finish() {
      if (frameOpen) throw new Error("unexpected end of the zstd stream (truncated file)");
    },
    close() {
      if (live) z.ZSTD_freeDStream(stream);
      live = false;
    },
  };
}

// z_stream on LP64 (x86_64, aarch64): 112 bytes; the fields we touch, by byte offset.
const Z_STREAM_BYTES = 112;
const NEXT_IN = 0;
const AVAIL_IN = 8;
const NEXT_OUT = 24;
const AVAIL_OUT = 32;
const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_BUF_ERROR = -5;
/** windowBits 15 + 16: gzip framing only. */
const GZIP_WINDOW = 31;
const ZLIB_VERSION = Buffer.from("1.2.11\0");

function gzipDecoder(z: Zlib): NativeDecoder {
  const strm = new Uint8Array(Z_STREAM_BYTES);
  const view = new DataView(strm.buffer);
  const sp = ptr(strm);
  const rc = z.inflateInit2_(sp, GZIP_WINDOW, ptr(ZLIB_VERSION), Z_STREAM_BYTES);
  if (rc !== Z_OK) throw new Error(`inflateInit2 failed (${rc})`);
  const output = new Uint8Array(OUTPUT_BYTES);
  const outAddr = BigInt(ptr(output));
  /** "open": inside a member; "between": a member ended; "done": trailing bytes that are not a member. */
  let state: "open" | "between" | "done" = "open";
  let input: Uint8Array = new Uint8Array(0);
  let at = 0;
  let outputFull = false;
  let live = true;
  return {
    push(chunk) {
      input = chunk;
      at = 0;
    },
    pull() {
      for (;;) {
        if ((at >= input.length && !outputFull) || state === "done") return null;
        if (state === "between") {
          if (at >= input.length) return null;
          // Concatenated members are one stream, as gunzip reads them; other trailing bytes are ignored.
          if (input[at] !== 0x1f || (at + 1 < input.length && input[at + 1] !== 0x8b)) {
            state = "done";
            return null;
          }
          z.inflateReset(sp);
          state = "open";
        }
        view.setBigUint64(NEXT_IN, at < input.length ? BigInt(ptr(input)) + BigInt(at) : 0n, true);
        view.setUint32(AVAIL_IN, input.length - at, true);
        view.setBigUint64(NEXT_OUT, outAddr, true);
        view.setUint32(AVAIL_OUT, OUTPUT_BYTES, true);
        const r = z.inflate(sp, 0);
        if (r !== Z_OK && r !== Z_STREAM_END && r !== Z_BUF_ERROR) throw new Error(`invalid gzip data (zlib error ${r})`);
        const produced = OUTPUT_BYTES - view.getUint32(AVAIL_OUT, true);
        at = input.length - view.getUint32(AVAIL_IN, true);
        outputFull = produced === OUTPUT_BYTES;
        if (r === Z_STREAM_END) state = "between";
        if (produced > 0) return output.subarray(0, produced);
        // No output and no progress: this input is used up (zlib wants more).
        if (r === Z_BUF_ERROR) return null;
      }
    },
    finish() {
      if (state === "open") throw new Error("unexpected end of the gzip stream (truncated file)");
    },
    close() {
      if (live) z.inflateEnd(sp);
      live = false;
    },
  };
}
