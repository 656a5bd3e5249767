/** The TypeScript face of ./model.ts: what a program passes, and the outputs only Nscale keys have. */
import type * as pulumi from "@pulumi/pulumi";
import type { AdoptArgs, CommonArgs } from "../../model/args";

export interface NscaleAccessKeyArgs extends CommonArgs {
  cloud: "nscale";
  /** The object storage endpoint's ID (metadata.id). */
  endpointId: pulumi.Input<string>;
  /** Name of an identity policy configured on the endpoint, e.g. "bucket-admin". */
  identityPolicy: pulumi.Input<string>;
  /** Key name; default: the resource name plus a random suffix. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Service token for this resource only; always stored as a secret. */
  apiToken?: pulumi.Input<string>;
  adopt?: pulumi.Input<AdoptArgs>;
}

export interface NscaleOutputs {
  readonly endpointId: pulumi.Output<string | undefined>;
  readonly name: pulumi.Output<string | undefined>;
  readonly description: pulumi.Output<string | undefined>;
  readonly identityPolicy: pulumi.Output<string | undefined>;
  readonly organizationId: pulumi.Output<string | undefined>;
  readonly projectId: pulumi.Output<string | undefined>;
  readonly createdBy: pulumi.Output<string | undefined>;
  readonly provisioningStatus: pulumi.Output<string | undefined>;
  readonly healthStatus: pulumi.Output<string | undefined>;
}
