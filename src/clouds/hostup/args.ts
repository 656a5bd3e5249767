/** The TypeScript face of ./model.ts: what a program passes, and the outputs only HostUp keys have. */
import type * as pulumi from "@pulumi/pulumi";
import type { AdoptArgs, CommonArgs } from "../../model/args";

export interface HostUpAccessKeyArgs extends CommonArgs {
  cloud: "hostup";
  /** Key label; default: the resource name plus a random suffix. */
  label?: pulumi.Input<string>;
  /** API key for this resource only; always stored as a secret. */
  apiKey?: pulumi.Input<string>;
  adopt?: pulumi.Input<AdoptArgs>;
}

export interface HostUpOutputs {
  readonly label: pulumi.Output<string | undefined>;
}
