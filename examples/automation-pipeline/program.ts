/**
 * The infrastructure the pipeline deploys: an access key, a bucket made with it, and a KeyCheck
 * that proves the key works through S3 during every update that changes the key.
 *
 * Everything is read from stack config (set by pipeline.ts), so any run of the same stack, from any
 * machine, deploys the same thing.
 */
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageAccessKey, ObjectStorageBucket } from "pulumi-object-storage-keys";
import { KeyCheck } from "./key-check";

export const PROJECT = "automation-pipeline";

export type Cloud = "nscale" | "hostup";

export function pipelineProgram(): Record<string, pulumi.Output<unknown> | string> {
  const config = new pulumi.Config();
  const cloud = config.require("cloud") as Cloud;
  const rotationTrigger = config.get("rotationTrigger");

  const key =
    cloud === "nscale"
      ? new ObjectStorageAccessKey("ci-key", {
          cloud: "nscale",
          endpointId: config.require("endpointId"),
          identityPolicy: config.get("identityPolicy") ?? "bucket-admin",
          description: "CI pipeline key (managed by the Pulumi Automation API)",
          rotationTrigger,
        })
      : new ObjectStorageAccessKey("ci-key", { cloud: "hostup", rotationTrigger });

  const bucket = new ObjectStorageBucket("ci-bucket", { key, bucketName: config.get("bucketName") });

  const region = key.region.apply((r) => r ?? (cloud === "hostup" ? "eu-north-1" : "us-east-1"));

  const check = new KeyCheck("ci-key-check", {
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    s3Endpoint: key.s3Endpoint,
    region,
    bucketName: bucket.bucketName,
  });

  return {
    cloud,
    endpointId: key.endpointId.apply((id) => id ?? ""),
    rotationTrigger: key.rotationTrigger.apply((t) => t ?? ""),
    keyId: key.keyId,
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    s3Endpoint: key.s3Endpoint,
    region,
    bucketName: bucket.bucketName,
    verifiedAccessKeyId: check.verifiedAccessKeyId,
    verifiedObject: check.verifiedObject,
    verifiedAt: check.verifiedAt,
  };
}
