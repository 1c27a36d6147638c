/**
 * @module machine/image/byte-stream
 * Small combinators over async streams of bytes: look at the head without losing it, and
 * observe every chunk on its way through (hashing, counting).
 */

export interface Peeked {
  /** At least `n` bytes, fewer only if the stream is shorter. */
  readonly head: Uint8Array;
  /** The whole stream again, head included. */
  readonly stream: AsyncIterable<Uint8Array>;
}

/**
 * @example
 * const { head, stream } = await peek(download, 512);
 * detectFormat(head); for await (const c of stream) ...
 */
export async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<Peeked> {
  const it = source[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    // A copy: the source may hand out views of a buffer it reuses (native-decoder).
    held.push(r.value.slice());
    size += r.value.length;
  }
  const head = held.length === 1 ? held[0]! : Buffer.concat(held);
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* held.splice(0);
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head, stream: replay() };
}

/**
 * Calls `observe` on each chunk before passing it on.
 * @example
 * const hashed = tap(download, (c) => hasher.update(c));
 */
export async function* tap(source: AsyncIterable<Uint8Array>, observe: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    observe(chunk);
    yield chunk;
  }
}
