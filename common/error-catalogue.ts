/**
 * @module common/error-catalogue
 * One way to declare errors: a catalogue of entries, each a stable code, an HTTP-ish status
 * and a message builder (plus, when useful, details and a cause), checked with `satisfies`
 * like `conductor/errors.ts`. The catalogue hands back one factory per entry, the codes as
 * constants (compare with those, never with raw strings), and `owns(error)`.
 *
 * Codes that reach Ironic as `command_error.type` are PascalCase, as IPA's are (it sends its
 * exception class names: `ImageDownloadError`, `InvalidCommandParamsError`).
 */
import { TeethError, isTeethError, type TeethErrorShape } from "./branded-error.ts";

/** Each entry declares its own argument list; `any[]` is what lets them differ. */
type Args = any[];

/** One entry: what the error is called on the wire, its status, and how it reads. */
export interface ErrorSpec<A extends Args = Args> {
  readonly code: string;
  readonly status: number;
  readonly message: (...args: A) => string;
  /** Structured details kept on the error (IPA's `details` is the message when absent). */
  readonly details?: (...args: A) => unknown;
  readonly cause?: (...args: A) => unknown;
}

export type ErrorSpecs = Record<string, ErrorSpec>;

export type ErrorCatalogue<C extends ErrorSpecs> = {
  readonly [K in keyof C]: (...args: Parameters<C[K]["message"]>) => TeethError & { readonly code: C[K]["code"] };
} & {
  /** Every entry's code, by entry name: `ImageErrors.codes.checksumMismatch === "ImageChecksumMismatch"`. */
  readonly codes: { readonly [K in keyof C]: C[K]["code"] };
  /** True for a branded error whose code is one of this catalogue's (whichever bundle made it). */
  owns(error: unknown): error is TeethErrorShape & Error;
};

/**
 * @example
 * export const EraseErrors = defineErrorCatalogue({
 *   unknownDevice: { code: "UnknownBlockDevice", status: 400, message: (names: string[]) => `not disks of this machine: ${names.join(", ")}` },
 * } satisfies ErrorSpecs);
 * throw EraseErrors.unknownDevice(["/dev/sdz"]);
 * if (hasCode(error, EraseErrors.codes.unknownDevice)) ...
 */
export function defineErrorCatalogue<const C extends ErrorSpecs>(specs: C): ErrorCatalogue<C> {
  if ("codes" in specs || "owns" in specs) throw new Error("'codes' and 'owns' are reserved names in an error catalogue");
  const factories: Record<string, (...args: Args) => TeethError> = {};
  const codes: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    codes[name] = spec.code;
    factories[name] = (...args: Args) =>
      new TeethError(spec.code, spec.message(...args), {
        status: spec.status,
        details: spec.details?.(...args),
        cause: spec.cause?.(...args),
      });
  }
  const all = new Set(Object.values(codes));
  return Object.freeze({
    ...factories,
    codes: Object.freeze(codes),
    owns: (error: unknown): error is TeethErrorShape & Error => isTeethError(error) && all.has(error.code),
  }) as unknown as ErrorCatalogue<C>;
}

/**
 * True for a branded error carrying one of `codes`.
 * @example
 * if (hasCode(error, ImageErrors.codes.httpStatus)) ...
 */
export function hasCode(error: unknown, ...codes: readonly string[]): error is TeethErrorShape & Error {
  return isTeethError(error) && codes.includes(error.code);
}
