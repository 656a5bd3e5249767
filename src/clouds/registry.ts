/** Which module serves each value of the `cloud` input. A new cloud is one folder and one line here. */
import type { CloudModule } from "./contract";
import { hostup } from "./hostup";
import type { HostUpAccessKeyArgs, HostUpOutputs } from "./hostup/args";
import { nscale } from "./nscale";
import type { NscaleAccessKeyArgs, NscaleOutputs } from "./nscale/args";

export const clouds: Readonly<Record<string, CloudModule>> = { nscale, hostup };

/** What a program may pass: one member per cloud. */
export type CloudArgs = NscaleAccessKeyArgs | HostUpAccessKeyArgs;
/** The outputs only some clouds have, typed on the resource class. */
export type CloudOutputs = NscaleOutputs & HostUpOutputs;

export const CLOUD_IDS = Object.keys(clouds);

export function cloudFor(id: unknown): CloudModule | undefined {
  return typeof id === "string" && Object.hasOwn(clouds, id) ? clouds[id] : undefined;
}
