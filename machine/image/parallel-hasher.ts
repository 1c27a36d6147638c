/**
 * @module machine/image/parallel-hasher
 * The image's hash computed on a thread of its own. Hashing is the engine's largest single
 * cost (SHA-256 with SHA-NI runs at ~2 GB/s: half of the main thread's time on a 2 GiB raw
 * image), and it depends on nothing the main thread does after the bytes arrive, so it moves
 * to a worker while the main thread goes on writing.
 *
 * The hand-over is a ring of fixed-size slots in shared memory, no messages: `update` copies
 * the chunk into the slot being filled (a memcpy, ~50 GB/s) and publishes full slots with an
 * atomic counter; the worker hashes each slot and advances its own counter. When the ring is
 * full, `update` blocks on that counter: the hasher sets the pace, as it would on one thread.
 * `digest` publishes an end marker and waits for the worker's result.
 *
 * The worker's code is the function `hashWorkerMain` below, started from a Blob URL: it
 * imports nothing, so it runs the same from source, in tests and in the compiled binary.
 */

export interface ThreadedHasher {
  update(chunk: Uint8Array): void;
  /** Lower-case hex; call once. Throws when the worker failed. */
  digest(): string;
  /** Stops the worker; safe to call twice and after `digest`. */
  close(): void;
}

export interface ParallelHasherOptions {
  /** Slots in the ring. */
  slots?: number;
  /** Bytes per slot. */
  slotSize?: number;
  /** Longest wait for the worker before giving up (it hashes GB/s: this is a dead worker). */
  stallMs?: number;
}

/** Control words in the shared Int32Array. */
const HEAD = 0; // slots published by the main thread
const TAIL = 1; // slots hashed by the worker
const DONE = 2; // digest length once the digest is in `result`
const FAILED = 3; // 1 when the worker caught an error
const CONTROL_WORDS = 4;
const MAX_DIGEST = 64;

interface WorkerInit {
  algo: string;
  slots: number;
  slotSize: number;
  control: SharedArrayBuffer;
  lengths: SharedArrayBuffer;
  data: SharedArrayBuffer;
  result: SharedArrayBuffer;
}

/**
 * Runs inside the worker. Self-contained: it is serialised with `toString()`, so it may use
 * only globals (Bun, Atomics, typed arrays), with the indices passed in.
 */
function hashWorkerMain(HEAD_: number, TAIL_: number, DONE_: number, FAILED_: number): void {
  // The worker's global scope: `self` there, not declared for the agent's own code.
  const scope = globalThis as unknown as { onmessage: (event: MessageEvent) => void };
  scope.onmessage = (event: MessageEvent) => {
    const init = event.data as WorkerInit;
    const control = new Int32Array(init.control);
    const lengths = new Int32Array(init.lengths);
    const data = new Uint8Array(init.data);
    const result = new Uint8Array(init.result);
    try {
      const hasher = new Bun.CryptoHasher(init.algo as "sha256");
      let tail = 0;
      for (;;) {
        let head = Atomics.load(control, HEAD_);
        while (head === tail) {
          Atomics.wait(control, HEAD_, tail);
          head = Atomics.load(control, HEAD_);
        }
        for (; tail < head; tail++) {
          const slot = tail % init.slots;
          const length = lengths[slot]!;
          if (length < 0) {
            const digest = hasher.digest() as Uint8Array;
            result.set(digest);
            Atomics.store(control, DONE_, digest.length);
            Atomics.notify(control, DONE_);
            return;
          }
          hasher.update(data.subarray(slot * init.slotSize, slot * init.slotSize + length));
          Atomics.store(control, TAIL_, tail + 1);
          Atomics.notify(control, TAIL_);
        }
      }
    } catch {
      Atomics.store(control, FAILED_, 1);
      Atomics.notify(control, TAIL_);
      Atomics.notify(control, DONE_);
    }
  };
}

let workerUrl: string | null = null;

function hashWorkerUrl(): string {
  workerUrl ??= URL.createObjectURL(
    new Blob([`(${hashWorkerMain.toString()})(${HEAD}, ${TAIL}, ${DONE}, ${FAILED});`], { type: "application/javascript" }),
  );
  return workerUrl;
}

/**
 * @example
 * const hasher = createParallelHasher("sha256");
 * try { for await (const c of download) hasher.update(c); console.log(hasher.digest()); }
 * finally { hasher.close(); }
 */
export function createParallelHasher(algo: string, options: ParallelHasherOptions = {}): ThreadedHasher {
  const slots = options.slots ?? 4;
  const slotSize = options.slotSize ?? 1 << 20;
  const stallMs = options.stallMs ?? 30_000;
  const init: WorkerInit = {
    algo,
    slots,
    slotSize,
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    lengths: new SharedArrayBuffer(slots * 4),
    data: new SharedArrayBuffer(slots * slotSize),
    result: new SharedArrayBuffer(MAX_DIGEST),
  };
  const control = new Int32Array(init.control);
  const lengths = new Int32Array(init.lengths);
  const data = new Uint8Array(init.data);
  const worker = new Worker(hashWorkerUrl());
  worker.postMessage(init);
  let head = 0;
  let fill = 0;
  let closed = false;

  const check = () => {
    if (Atomics.load(control, FAILED) === 1) throw new Error(`${algo} hash worker failed`);
  };

  /** Blocks until the worker has hashed up to `wanted` slots. */
  const waitForTail = (wanted: number) => {
    for (;;) {
      const tail = Atomics.load(control, TAIL);
      if (tail >= wanted) return;
      check();
      if (Atomics.wait(control, TAIL, tail, stallMs) === "timed-out") throw new Error(`${algo} hash worker stalled`);
    }
  };

  const publish = (length: number) => {
    lengths[head % slots] = length;
    head += 1;
    Atomics.store(control, HEAD, head);
    Atomics.notify(control, HEAD);
    fill = 0;
  };

  const close = () => {
    if (closed) return;
    closed = true;
    worker.terminate();
  };

  return {
    update(chunk) {
      if (closed) throw new Error("hasher closed");
      let at = 0;
      while (at < chunk.length) {
        // The slot being filled must be free: at most `slots - 1` published and unhashed.
        if (fill === 0) waitForTail(head - slots + 1);
        const n = Math.min(chunk.length - at, slotSize - fill);
        data.set(chunk.subarray(at, at + n), (head % slots) * slotSize + fill);
        fill += n;
        at += n;
        if (fill === slotSize) publish(fill);
      }
    },
    digest() {
      if (fill > 0) publish(fill);
      waitForTail(head - slots + 1);
      publish(-1);
      for (;;) {
        const length = Atomics.load(control, DONE);
        if (length > 0) {
          const hex = Buffer.from(init.result, 0, length).toString("hex");
          close();
          return hex;
        }
        check();
        if (Atomics.wait(control, DONE, 0, stallMs) === "timed-out") throw new Error(`${algo} hash worker stalled`);
      }
    },
    close,
  };
}
