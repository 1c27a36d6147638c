/**
 * @module hardware-managers/generic/firmware/errors
 * The errors the generic manager's firmware operations raise. Download failures carry the
 * per-component report as details, so the operator sees what was (not) flashed.
 */
import { defineErrorCatalogue, type ErrorSpecs } from "../../../common/error-catalogue.ts";
import type { FirmwareReport } from "../../contract/firmware-component.ts";

const reason = (text: string) => text;
/** "<component>: <reason>; nothing was flashed", the report as details. */
const beforeFlash = {
  status: 500,
  message: (component: string, why: string, _report: FirmwareReport) => `${component}: ${why}; nothing was flashed`,
  details: (_component: string, _why: string, report: FirmwareReport) => report,
};

export const FirmwareErrors = defineErrorCatalogue({
  invalid: { code: "InvalidFirmwareRequest", status: 500, message: reason },
  unclaimed: {
    code: "FirmwareComponentUnclaimed",
    status: 500,
    message: (components: string[]) => `no hardware manager claims firmware component(s): ${components.join(", ")}; nothing was flashed`,
    details: (components: string[]) => ({ unclaimed: components }),
  },
  downloadFailed: { code: "FirmwareDownloadFailed", ...beforeFlash },
  checksumMismatch: { code: "FirmwareChecksumMismatch", ...beforeFlash },
  imageTooLarge: { code: "FirmwareImageTooLarge", ...beforeFlash },
  flashFailed: {
    code: "FirmwareUpdateError",
    status: 500,
    message: (component: string, why: string, _report: FirmwareReport) => `${component}: ${why}`,
    details: (_component: string, _why: string, report: FirmwareReport) => report,
  },
  nvme: { code: "NvmeFirmwareError", status: 500, message: reason },
  uefiCapsule: { code: "UefiCapsuleError", status: 500, message: reason },
} satisfies ErrorSpecs);

/** The download failures, by catalogue entry (a download result names one). */
export type DownloadProblem = "downloadFailed" | "checksumMismatch" | "imageTooLarge";
