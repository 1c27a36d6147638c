import { describe, expect, test } from "bun:test";
import { progressLine } from "./format.ts";
import { nodeProgress } from "./wait.ts";

const MiB = 2 ** 20;

describe("deploy progress in the CLI", () => {
  test("a compressed image: the bar counts downloaded bytes against the file's size, the bytes written beside", () => {
    // What the demo's agent reported for the 12.1 MiB zstd OS image (128 MiB on the disk).
    const line = progressLine({ step: "write_image", stage: "download", bytes_downloaded: 6 * MiB, bytes_written: 64 * MiB, total_bytes: 12 * MiB, rate_bytes_per_s: 2 * MiB, eta_s: 3 }, 10);
    expect(line).toBe("[#####-----]  50% 6.0 MiB/12.0 MiB 2.0 MiB/s ETA 00:03 write_image (download), 64.0 MiB written");
  });

  test("a raw image (written = downloaded): no second count; unknown total: no bar", () => {
    expect(progressLine({ step: "write_image", bytes_downloaded: 3 * MiB, bytes_written: 3 * MiB, total_bytes: 12 * MiB, rate_bytes_per_s: MiB, eta_s: 9 }, 4)).toBe("[#---]  25% 3.0 MiB/12.0 MiB 1.0 MiB/s ETA 00:09 write_image");
    expect(progressLine({ step: "write_image", bytes_downloaded: MiB, bytes_written: MiB, total_bytes: null, rate_bytes_per_s: MiB, eta_s: null })).toBe("[working] 1.0 MiB/? 1.0 MiB/s ETA --:-- write_image");
  });

  test("a deploy that starts with the last cleaning's progress still stored shows the deploy's own state, not the old step", () => {
    const dii = { clean_progress: { step: "erase_devices_express", bytes_downloaded: 0, bytes_written: 0, total_bytes: null } };
    expect(nodeProgress({ provision_state: "deploying", deploy_step: {}, clean_step: {}, driver_internal_info: dii })).toBe("deploying");
    expect(nodeProgress({ provision_state: "deploying", deploy_step: { step: "write_image" }, clean_step: {}, driver_internal_info: dii })).toBe("deploying: write_image");
    const deploying = { ...dii, deploy_progress: { step: "write_image", stage: "download", bytes_downloaded: MiB, bytes_written: MiB, total_bytes: 4 * MiB, rate_bytes_per_s: MiB, eta_s: 3 } };
    expect(nodeProgress({ provision_state: "wait call-back", deploy_step: { step: "write_image" }, driver_internal_info: deploying })).toMatch(/^wait call-back: \[.*25% 1\.0 MiB\/4\.0 MiB .* write_image \(download\)$/);
    // Cleaning shows clean_progress for its own step.
    expect(nodeProgress({ provision_state: "clean wait", clean_step: { step: "erase_devices_express" }, driver_internal_info: dii })).toMatch(/^clean wait: \[working\] .* erase_devices_express$/);
  });
});
