import { expect, test } from "bun:test";
import { ImageErrors } from "./errors.ts";

test("image errors never carry the credentials of an image URL (they reach last_error and the logs)", () => {
  const url = "https://tenant:pw-83f1@img.example/disk.raw?temp_url_sig=sig-55a0&temp_url_expires=9&X-Amz-Signature=amz-77b2";
  const errors = [
    ImageErrors.httpStatus(url, 404, false),
    ImageErrors.connection(url, new Error(`connect to ${url} refused`)),
    ImageErrors.stalled(url, 30, 0),
    ImageErrors.shortRead(url, 1, 2),
    ImageErrors.timedOut(url, 5),
    ImageErrors.checksumFileInvalid(url, "empty"),
    ImageErrors.retriesExhausted(url, 3, new Error("x")),
  ];
  for (const e of errors) {
    const shown = `${e.message} ${JSON.stringify(e.details)}`;
    for (const s of ["pw-83f1", "sig-55a0", "amz-77b2"]) expect(shown, e.code).not.toContain(s);
    expect(shown).toContain("img.example/disk.raw");
  }
});
