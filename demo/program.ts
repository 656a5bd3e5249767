/**
 * The demo: for each cloud, an access key and a bucket made with it (through S3 on Nscale, through
 * HostUp's bucket API on HostUp). Outputs are flat, per cloud: `<cloud>AccessKeyId`,
 * `<cloud>SecretAccessKey` (a secret), `<cloud>S3Endpoint`, `<cloud>Region`, `<cloud>Bucket`,
 * `<cloud>KeyId`.
 *
 * Config (project namespace `object-storage-keys-demo`):
 *   clouds              "nscale,hostup" (default) or one of them
 *   nscaleEndpointId    Nscale object storage endpoint ID (required when nscale is used)
 *   nscaleIdentityPolicy  default "bucket-admin"
 *   rotationTrigger     change it to rotate both keys
 * Provider settings: nscale:apiToken / hostup:apiKey (secrets; or NSCALE_API_TOKEN / HOSTUP_API_KEY),
 * nscale:apiUrl / hostup:apiUrl (or NSCALE_API_URL / HOSTUP_API_URL).
 */
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageAccessKey, ObjectStorageBucket } from "pulumi-object-storage-keys";

export type DemoCloud = "nscale" | "hostup";

export function demoClouds(config: pulumi.Config): DemoCloud[] {
  const raw = config.get("clouds") ?? "nscale,hostup";
  const clouds = raw.split(",").map((c) => c.trim()).filter((c) => c !== "");
  for (const c of clouds) {
    if (c !== "nscale" && c !== "hostup") throw new Error(`config clouds: unknown cloud "${c}" (use "nscale", "hostup" or "nscale,hostup")`);
  }
  return clouds as DemoCloud[];
}

export function demoProgram(): Record<string, pulumi.Output<unknown>> {
  const config = new pulumi.Config();
  const rotationTrigger = config.get("rotationTrigger");
  const outputs: Record<string, pulumi.Output<unknown>> = {};

  for (const cloud of demoClouds(config)) {
    const key =
      cloud === "nscale"
        ? new ObjectStorageAccessKey("nscale-key", {
            cloud: "nscale",
            endpointId: config.require("nscaleEndpointId"),
            identityPolicy: config.get("nscaleIdentityPolicy") ?? "bucket-admin",
            description: "pulumi-object-storage-keys demo",
            rotationTrigger,
          })
        : new ObjectStorageAccessKey("hostup-key", { cloud: "hostup", rotationTrigger });

    // A throwaway bucket: forceDestroy lets teardown delete it with the demo's object inside.
    const bucket = new ObjectStorageBucket(`${cloud}-bucket`, { key, forceDestroy: true });

    outputs[`${cloud}KeyId`] = key.keyId;
    outputs[`${cloud}AccessKeyId`] = key.accessKeyId;
    outputs[`${cloud}SecretAccessKey`] = key.secretAccessKey; // a Pulumi secret
    outputs[`${cloud}S3Endpoint`] = key.s3Endpoint;
    // Nscale signs with whatever region you configure (nscale:region); us-east-1 otherwise.
    outputs[`${cloud}Region`] = key.region.apply((r) => r ?? (cloud === "hostup" ? "eu-north-1" : "us-east-1"));
    outputs[`${cloud}Bucket`] = bucket.bucketName;
  }
  return outputs;
}
