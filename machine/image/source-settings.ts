/**
 * @module machine/image/source-settings
 * The HTTP settings of one image, from `image_info` and the agent's config: the
 * `Authorization` header (IPA's `image_request_authorization` is base64 of the whole header
 * value; `http_basic` strategy builds one from user and password), proxies, TLS.
 */
import type { ImageInfo } from "../../protocol/image-info.ts";
import { ImageErrors } from "./errors.ts";
import type { HttpSettings } from "./http-request.ts";

export interface DownloadSettings {
  readonly connectionTimeoutS: number;
  readonly connectionRetries: number;
  readonly retryIntervalS: number;
  readonly maxDurationS: number;
}

/** IPA's defaults (`image_download_connection_*`). */
export const DEFAULT_DOWNLOAD: DownloadSettings = Object.freeze({
  connectionTimeoutS: 60,
  connectionRetries: 9,
  retryIntervalS: 10,
  maxDurationS: 0,
});

/**
 * @example
 * const settings = httpSettingsFor(info, { insecure: false, connectionTimeoutS: 60 });
 */
export function httpSettingsFor(info: ImageInfo, options: { insecure: boolean; connectionTimeoutS: number }): HttpSettings {
  const headers: Record<string, string> = {};
  if (info.image_request_authorization) {
    let value: string;
    try {
      value = Buffer.from(info.image_request_authorization, "base64").toString("utf8");
    } catch {
      throw ImageErrors.invalidImageInfo("image_request_authorization is not base64");
    }
    if (!value || /[\r\n]/.test(value)) throw ImageErrors.invalidImageInfo("image_request_authorization is not a header value");
    headers.authorization = value;
  } else if (info.image_server_auth_strategy === "http_basic") {
    if (!info.image_server_user || !info.image_server_password) {
      throw ImageErrors.invalidImageInfo("http_basic image server auth needs image_server_user and image_server_password");
    }
    headers.authorization = `Basic ${Buffer.from(`${info.image_server_user}:${info.image_server_password}`).toString("base64")}`;
  }
  return Object.freeze({
    headers: Object.freeze(headers),
    proxies: Object.freeze({ ...(info.proxies ?? {}) }),
    noProxy: info.no_proxy ?? "",
    insecure: options.insecure,
    connectionTimeoutS: options.connectionTimeoutS,
  });
}

/** The last path segment of the URL: the name a checksum file lists the image under. */
export function imageFileName(url: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.split("/").filter(Boolean).pop() ?? "");
}
