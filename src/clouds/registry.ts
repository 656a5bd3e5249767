/** Which module serves each value of the `cloud` input. A new cloud is one folder and one line here. */
import type { CloudModule } from "./contract";
import { hostup } from "./hostup";
import type { HostUpAccessKeyArgs, HostUpOutputs } from "./hostup/args";
import { nscale } from "./nscale";
import type { NscaleAccessKeyArgs, NscaleOutputs } from "./nscale/args";

/** A registry over the given modules: each under its own id, looked up by the `cloud` value. */
export function registryOf<const T extends Readonly<Record<string, CloudModule>>>(modules: T) {
  return {
    /** Typed per cloud: `clouds.nscale` needs no `!`. */
    clouds: modules,
    CLOUD_IDS: Object.keys(modules),
    cloudFor(id: unknown): CloudModule | undefined {
      return typeof id === "string" && Object.hasOwn(modules, id) ? modules[id] : undefined;
    },
  };
}

const registry = registryOf({ nscale, hostup });

export const clouds = registry.clouds;
export const CLOUD_IDS = registry.CLOUD_IDS;
export const cloudFor = registry.cloudFor;

/** What a program may pass: one member per cloud. */
export type CloudArgs = NscaleAccessKeyArgs | HostUpAccessKeyArgs;
/** The outputs only some clouds have, typed on the resource class. */
export type CloudOutputs = NscaleOutputs & HostUpOutputs;
