/**
 * @module common/branded-error
 * Errors recognised across separately bundled code (runtime-loaded plugins do not share the
 * host's classes), by a `Symbol.for()` brand instead of `instanceof`.
 */

export const TEETH_ERROR = Symbol.for("teeth.error");

export interface TeethErrorShape {
  [TEETH_ERROR]: true;
  /** Stable machine-readable code, e.g. `INCOMPATIBLE_HARDWARE_METHOD`. */
  code: string;
  /** HTTP-ish status for the command error body (IPA uses 400 for client errors, 500 otherwise). */
  status: number;
  message: string;
  details?: unknown;
  cause?: unknown;
}

export class TeethError extends Error implements TeethErrorShape {
  readonly [TEETH_ERROR] = true as const;
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: string, message: string, options: { status?: number; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = code;
    this.code = code;
    this.status = options.status ?? 500;
    this.details = options.details;
  }
}

/** True for any error carrying the Teeth brand, whichever bundle created it. */
export function isTeethError(value: unknown): value is TeethErrorShape & Error {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TEETH_ERROR] === true;
}
