/**
 * @module hardware-managers/generic/inventory-ops
 * Inventory and install-disk selection. (placeholder: filled by the inventory work)
 */
import type { Operation } from "../contract/index.ts";

export const inventoryOperations: Record<string, Operation> = {};
