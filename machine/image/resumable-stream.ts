/**
 * @module machine/image/resumable-stream
 * The image's bytes as one continuous stream, whatever happens to the connection: a drop,
 * a short body or a stall (no byte for `connectionTimeoutS` while we wait for one) is
 * resumed with `Range: bytes=<position>-`, up to `connectionRetries` times in a row,
 * `retryIntervalS` apart. A connection that delivered at least 1 MiB before breaking resets
 * the count and is resumed at once: the server works, only that connection was lost. A server that ignores Range is re-read and the bytes already delivered skipped.
 * 4xx answers, a length that changes and an abort are final.
 */
import { hasCode } from "../../common/error-catalogue.ts";
import type { Logger } from "../../common/logger.ts";
import { ImageErrors, isRetryable, shownUrl } from "./errors.ts";
import { assertOk, openBody, type HttpBody, type HttpSettings } from "./http-request.ts";

export interface DownloadPolicy {
  readonly connectionRetries: number;
  readonly retryIntervalS: number;
  /** Whole download limit in seconds; 0 = none (IPA `image_download_max_duration`). */
  readonly maxDurationS: number;
}

export interface ResumableStreamOptions {
  url: string;
  settings: HttpSettings;
  policy: DownloadPolicy;
  signal: AbortSignal;
  logger: Logger;
  /** Called before each resume, e.g. to count them in progress. */
  onResume?: (info: { position: number; attempt: number; error: unknown }) => void;
}

export interface ResumableStream extends AsyncIterable<Uint8Array> {
  readonly url: string;
  /** Size of the whole resource when the server said it. */
  readonly totalBytes: number | null;
  /** The server advertised `Accept-Ranges: bytes`. */
  readonly acceptsRanges: boolean;
  /** The current connection frees each chunk once the next is asked for (http-socket). */
  readonly freesChunks: boolean;
  /** Bytes delivered so far. */
  readonly position: number;
  readonly resumes: number;
  /** Stops the download; safe to call twice. */
  close(): Promise<void>;
}

interface Attempt {
  controller: AbortController;
  body: HttpBody;
  /** Bytes of this response to drop because the server ignored our Range. */
  skip: number;
}

/** Bytes a connection must deliver for its loss to count as a new incident. */
const PROGRESS_RESETS_RETRIES = 1 << 20;

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(ImageErrors.aborted());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(ImageErrors.aborted());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Opens the image URL (with retries) and returns its bytes as a resumable stream.
 * @example
 * const stream = await openResumableStream({ url, settings, policy, signal, logger });
 * for await (const chunk of stream) hasher.update(chunk);
 */
export async function openResumableStream(options: ResumableStreamOptions): Promise<ResumableStream> {
  const { url, settings, policy, signal, logger } = options;
  const stallMs = Math.max(1, settings.connectionTimeoutS * 1000);
  let position = 0;
  let total: number | null = null;
  let acceptsRanges = false;
  let failures = 0;
  let resumes = 0;
  let current: Attempt | null = null;
  let waitingSince = 0;
  let stalled = false;
  let deadlineHit = false;
  let closed = false;

  const watchdog = setInterval(() => {
    if (current && waitingSince && Date.now() - waitingSince > stallMs) {
      stalled = true;
      current.controller.abort(ImageErrors.stalled(url, settings.connectionTimeoutS, position));
    }
  }, Math.min(1000, Math.max(20, stallMs / 4)));
  const deadline =
    policy.maxDurationS > 0
      ? setTimeout(() => {
          deadlineHit = true;
          current?.controller.abort(ImageErrors.timedOut(url, policy.maxDurationS));
        }, policy.maxDurationS * 1000)
      : null;
  const stopTimers = () => {
    clearInterval(watchdog);
    if (deadline) clearTimeout(deadline);
  };

  const drop = () => {
    const a = current;
    current = null;
    if (!a) return;
    a.controller.abort();
    a.body.cancel();
  };

  /** Turns whatever a read threw into a catalogue error. */
  const classify = (error: unknown): unknown => {
    if (signal.aborted) return ImageErrors.aborted();
    if (deadlineHit) return ImageErrors.timedOut(url, policy.maxDurationS);
    if (stalled) {
      stalled = false;
      return ImageErrors.stalled(url, settings.connectionTimeoutS, position);
    }
    if (ImageErrors.owns(error)) return error;
    return ImageErrors.connection(url, error);
  };

  // Where the last resume started: a connection that moved the stream on since then was
  // working, so its loss is a fresh incident, resumed at once and not charged to the budget.
  let resumedAt = 0;
  const onFailure = async (error: unknown) => {
    drop();
    if (!isRetryable(error) || closed) throw error;
    const progressed = position - resumedAt >= PROGRESS_RESETS_RETRIES;
    resumedAt = position;
    if (progressed) failures = 0;
    failures += 1;
    if (failures > policy.connectionRetries) throw ImageErrors.retriesExhausted(url, failures, error);
    logger.warn({ url: shownUrl(url), position, attempt: failures, code: (error as { code?: string }).code, reason: (error as Error).message }, "image download interrupted; resuming");
    options.onResume?.({ position, attempt: failures, error });
    if (!progressed) await sleep(policy.retryIntervalS * 1000, signal);
  };

  const connectOnce = async () => {
    const controller = new AbortController();
    const onAbort = () => controller.abort(ImageErrors.aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    const res = await openBody(url, settings, position > 0 ? { range: `bytes=${position}-` } : {}, controller.signal);
    assertOk(url, res);
    let skip = 0;
    const length = res.headers.get("content-length");
    if (res.status === 206) {
      const m = CONTENT_RANGE.exec(res.headers.get("content-range") ?? "");
      if (!m || Number(m[1]) !== position) throw ImageErrors.lengthMismatch(url, `unexpected Content-Range ${res.headers.get("content-range")}`);
      const whole = m[3] === "*" ? null : Number(m[3]);
      if (total !== null && whole !== null && whole !== total) throw ImageErrors.lengthMismatch(url, `size changed from ${total} to ${whole}`);
      total ??= whole;
      acceptsRanges = true;
    } else {
      // 200: the whole resource. On a resume the server ignored Range: skip what we have.
      const whole = length === null ? null : Number(length);
      if (position > 0 && total !== null && whole !== null && whole !== total) {
        throw ImageErrors.lengthMismatch(url, `size changed from ${total} to ${whole}`);
      }
      total ??= whole;
      if (position === 0) acceptsRanges = res.headers.get("accept-ranges")?.toLowerCase() === "bytes";
      skip = position;
    }
    current = { controller, body: res, skip };
  };

  const connect = async () => {
    for (;;) {
      try {
        await connectOnce();
        return;
      } catch (error) {
        await onFailure(classify(error));
        resumes += 1;
      }
    }
  };

  try {
    await connect();
  } catch (error) {
    stopTimers();
    throw error;
  }

  async function* iterate(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        if (!current) await connect();
        const attempt = current!;
        let chunk: Uint8Array | null;
        waitingSince = Date.now();
        try {
          chunk = await attempt.body.read();
        } catch (error) {
          waitingSince = 0;
          const e = classify(error);
          // The body broke off before Content-Length: report it as the short read it is.
          const short = hasCode(e, ImageErrors.codes.connection) && total !== null && position < total;
          await onFailure(short ? ImageErrors.shortRead(url, position, total!) : e);
          resumes += 1;
          continue;
        }
        waitingSince = 0;
        if (chunk === null) {
          drop();
          if (total !== null && position < total) {
            await onFailure(ImageErrors.shortRead(url, position, total));
            resumes += 1;
            continue;
          }
          return;
        }
        if (attempt.skip > 0) {
          if (chunk.length <= attempt.skip) {
            attempt.skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(attempt.skip);
          attempt.skip = 0;
        }
        if (total !== null && position + chunk.length > total) {
          throw ImageErrors.lengthMismatch(url, `server sent more than the declared ${total} bytes`);
        }
        position += chunk.length;
        yield chunk;
      }
    } finally {
      drop();
      stopTimers();
    }
  }

  const iterator = iterate();
  return {
    url,
    get totalBytes() {
      return total;
    },
    get acceptsRanges() {
      return acceptsRanges;
    },
    get freesChunks() {
      return current?.body.freesChunks ?? true;
    },
    get position() {
      return position;
    },
    get resumes() {
      return resumes;
    },
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      drop();
      stopTimers();
      await iterator.return(undefined);
    },
  };
}

/** The whole body, refusing one longer than `max`. */
async function readAll(url: string, res: HttpBody, max: number): Promise<Uint8Array> {
  const out = new Uint8Array(max);
  let size = 0;
  for (let chunk = await res.read(); chunk; chunk = await res.read()) {
    if (size + chunk.length > max) throw ImageErrors.lengthMismatch(url, `range answer longer than the ${max} bytes asked for`);
    out.set(chunk, size);
    size += chunk.length;
  }
  return out.subarray(0, size);
}

/**
 * Reads `length` bytes at `offset` with one Range request (retried like the stream).
 * Used for qcow2 metadata; refuses a server that answers 200 instead of 206.
 * @example
 * const l1 = await readRange({ url, settings, policy, signal, logger }, header.l1Offset, header.l1Size * 8);
 */
export async function readRange(
  options: Omit<ResumableStreamOptions, "onResume">,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const { url, settings, policy, signal, logger } = options;
  let failures = 0;
  for (;;) {
    const controller = new AbortController();
    const onAbort = () => controller.abort(ImageErrors.aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(ImageErrors.stalled(url, settings.connectionTimeoutS, offset)),
      Math.max(settings.connectionTimeoutS * 1000, 1000) * 4,
    );
    try {
      const res = await openBody(url, settings, { range: `bytes=${offset}-${offset + length - 1}` }, controller.signal);
      let body: Uint8Array;
      try {
        assertOk(url, res);
        if (res.status !== 206) throw ImageErrors.lengthMismatch(url, `range request answered ${res.status}`);
        body = await readAll(url, res, length);
      } finally {
        res.cancel();
      }
      if (body.length !== length) throw ImageErrors.shortRead(url, offset + body.length, offset + length);
      return body;
    } catch (error) {
      const e = signal.aborted ? ImageErrors.aborted() : ImageErrors.owns(error) ? error : ImageErrors.connection(url, error);
      if (!isRetryable(e)) throw e;
      failures += 1;
      if (failures > policy.connectionRetries) throw ImageErrors.retriesExhausted(url, failures, e);
      logger.warn({ url: shownUrl(url), offset, length, attempt: failures, code: (e as { code?: string }).code, reason: (e as Error).message }, "range read failed; retrying");
      await sleep(policy.retryIntervalS * 1000, signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }
}
