/**
 * @module conductor/views/node-masking
 * How a node's secrets are hidden wherever it leaves the conductor: the API's views, the
 * ramdisk's lookup answer and the `node` every agent command carries. Below both the API and
 * orchestration, so neither imports the other to mask a node.
 */
import { MASK, maskSecrets } from "../../common/secrets.ts";
import { isoTime, type Dict, type NodeRecord } from "../store/node-record.ts";

/**
 * driver_info as every view shows it: secrets masked at any depth.
 * @example
 * maskDriverInfo({ ipmi_address: "10.0.0.9", ipmi_password: "pw" }); // { ..., ipmi_password: "******" }
 */
export function maskDriverInfo(info: Dict): Dict {
  return maskSecrets(info);
}

/**
 * instance_info as every view (and the lookup) shows it: the configdrive and secrets masked
 * at any depth, and `image_url`, which may be a signed temporary URL, hidden as Ironic does.
 * @example
 * maskInstanceInfo({ image_url: "https://x/img?sig=1", configdrive: "H4sI..." }); // both "******"
 */
export function maskInstanceInfo(info: Dict): Dict {
  const out = maskSecrets(info);
  if (out.image_url) out.image_url = MASK;
  return out;
}

/**
 * driver_internal_info with the agent columns merged in, the token and any secret masked.
 * @example
 * publicInternalInfo(node).agent_secret_token; // "******" once the agent looked the node up
 */
export function publicInternalInfo(node: NodeRecord): Dict {
  const dii: Dict = maskSecrets(node.driver_internal_info);
  if (node.agent_url) dii.agent_url = node.agent_url;
  if (node.agent_version) dii.agent_version = node.agent_version;
  if (node.agent_last_heartbeat) dii.agent_last_heartbeat = isoTime(node.agent_last_heartbeat);
  if (node.agent_token) dii.agent_secret_token = MASK;
  return dii;
}

/**
 * A step (`clean_step`/`deploy_step`) with secrets in its args masked; `{}` for no step.
 * @example
 * maskStep(node.clean_step);
 */
export function maskStep(step: Dict | null): Dict {
  return step ? maskSecrets(step) : {};
}
