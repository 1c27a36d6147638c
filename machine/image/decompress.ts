/**
 * @module machine/image/decompress
 * Streams bytes through a decompressor: gzip and zstd in process on the system's libz and
 * libzstd, through one reused output buffer (native-decoder); node:zlib when a library is
 * missing; xz with the `xz` tool through a pipe (node:zlib has no xz; the Exec seam buffers
 * whole outputs, so this one place spawns directly). zstd falls back to the `zstd` tool when
 * neither libzstd nor the runtime's zlib has it.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import zlib from "node:zlib";
import { ImageErrors } from "./errors.ts";
import type { Compression } from "./format-detect.ts";
import { createNativeDecoder, type NativeDecoder } from "./native-decoder.ts";

const CHUNK = 256 << 10;

interface Pipe {
  writable: Writable;
  readable: Readable;
  dispose(): void;
  /** Resolves with an error message if the tool failed (for pipes through a process). */
  exit?: Promise<string | null>;
}

function processPipe(tool: string, args: string[]): Pipe {
  const child = spawn(tool, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  const exit = new Promise<string | null>((resolve) => {
    child.on("error", (e) => resolve(`${tool}: ${e.message}`));
    child.on("close", (code, sig) => resolve(code === 0 ? null : `${tool} exited ${code ?? sig}: ${stderr.trim()}`));
  });
  // EPIPE when the tool dies early is reported through `exit`.
  child.stdin.on("error", () => {});
  return { writable: child.stdin, readable: child.stdout, exit, dispose: () => child.kill("SIGKILL") };
}

function createPipe(kind: Compression): Pipe {
  const z = zlib as unknown as Record<string, ((o: object) => zlib.Gunzip) | undefined>;
  if (kind === "gzip") {
    const t = zlib.createGunzip({ chunkSize: CHUNK });
    return { writable: t, readable: t, dispose: () => t.destroy() };
  }
  if (kind === "zstd" && typeof z.createZstdDecompress === "function") {
    const t = z.createZstdDecompress({ chunkSize: CHUNK });
    return { writable: t, readable: t, dispose: () => t.destroy() };
  }
  if (kind === "zstd") return processPipe("zstd", ["-d", "-c", "-q"]);
  return processPipe("xz", ["-d", "-c", "-q"]);
}

/** Decodes in process: the next input is read only once every output of this one is taken. */
async function* decodeNatively(kind: Compression, decoder: NativeDecoder, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const pull = () => {
    try {
      return decoder.pull();
    } catch (error) {
      throw ImageErrors.decompress(kind, error);
    }
  };
  try {
    for await (const chunk of input) {
      decoder.push(chunk);
      for (let out = pull(); out; out = pull()) yield out;
    }
    try {
      decoder.finish();
    } catch (error) {
      throw ImageErrors.decompress(kind, error);
    }
  } finally {
    decoder.close();
  }
}

/**
 * Decompresses `input` lazily; an error of the input (download) comes out unchanged, an
 * error of the decompressor as ImageDecompressFailed. A yielded chunk may be a view of a
 * reused buffer: it is valid until the next one is asked for (copy it to keep it).
 * @example
 * for await (const plain of decompress("zstd", download)) await writer.write(pos, plain);
 */
export async function* decompress(kind: Compression, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const native = kind === "gzip" || kind === "zstd" ? createNativeDecoder(kind) : null;
  if (native) return yield* decodeNatively(kind, native, input);
  const pipe = createPipe(kind);
  const stop = new AbortController();
  let inputError: unknown = null;
  let writeError: unknown = null;
  const pump = (async () => {
    const it = input[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (error) {
        // The download failed: that is the error to report, not the decompressor's reaction.
        inputError = error;
        pipe.readable.destroy(error as Error);
        return;
      }
      if (next.done || stop.signal.aborted) break;
      try {
        // A copy: the stream may hold the chunk past the next read, which frees its memory.
        if (!pipe.writable.write(next.value.slice())) await once(pipe.writable, "drain", { signal: stop.signal });
      } catch (error) {
        // The decompressor died; its exit status says why.
        writeError = error;
        return;
      }
    }
    pipe.writable.end();
  })();
  try {
    try {
      for await (const out of pipe.readable) yield out as Uint8Array;
    } catch (error) {
      if (inputError) throw inputError;
      throw ImageErrors.decompress(kind, error);
    }
    await pump;
    if (inputError) throw inputError;
    const failure = pipe.exit ? await pipe.exit : null;
    if (failure) throw ImageErrors.decompress(kind, new Error(failure));
    if (writeError) throw ImageErrors.decompress(kind, writeError);
  } finally {
    stop.abort();
    pipe.dispose();
  }
}
