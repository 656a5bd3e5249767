/** Which module serves each value of the `cloud` input. A new cloud is one folder and one line here. */
import type { CloudModule } from "./contract";
import { hostup } from "./hostup";
import { nscale } from "./nscale";

export const clouds: Readonly<Record<string, CloudModule>> = { nscale, hostup };

export const CLOUD_IDS = Object.keys(clouds);

export function cloudFor(id: unknown): CloudModule | undefined {
  return typeof id === "string" && Object.hasOwn(clouds, id) ? clouds[id] : undefined;
}
