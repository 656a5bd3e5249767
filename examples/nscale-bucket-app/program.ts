/**
 * An application's object storage on Nscale:
 *
 *   ObjectStorageAccessKey (on an existing endpoint)
 *     -> ObjectStorageBucket (created through S3 with that key: Nscale has no bucket API)
 *       -> the credentials bundled the ways applications consume them:
 *          a dotenv file, a Kubernetes Secret manifest and an environment-variable map.
 *
 * The secret access key is a Pulumi secret, and so is every output built from it: it is encrypted
 * in state and shown as [secret] unless you ask for `--show-secrets`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorageAccessKey, ObjectStorageBucket } from "pulumi-object-storage-keys";

export interface BucketAppOutputs {
  /** The key's Nscale ID (metadata.id). */
  keyId: pulumi.Output<string>;
  accessKeyId: pulumi.Output<string>;
  /** Secret. */
  secretAccessKey: pulumi.Output<string>;
  s3Endpoint: pulumi.Output<string>;
  region: pulumi.Output<string>;
  bucketName: pulumi.Output<string>;
  /** Secret: `AWS_ACCESS_KEY_ID=...` lines, ready for a `.env` file. */
  dotenv: pulumi.Output<string>;
  /** Secret: a Kubernetes `Secret` manifest (YAML, `stringData`), ready for `kubectl apply -f -`. */
  kubernetesSecret: pulumi.Output<string>;
  /** Secret: the same variables as a map, e.g. for a container definition. */
  environment: pulumi.Output<Record<string, string>>;
}

export function program(): BucketAppOutputs {
  const config = new pulumi.Config();
  const appName = config.get("appName") ?? pulumi.getProject();

  const key = new ObjectStorageAccessKey("app-key", {
    cloud: "nscale",
    // The object storage endpoint's metadata.id (required: `pulumi config set endpointId <uuid>`).
    endpointId: config.require("endpointId"),
    // An identity policy configured on that endpoint.
    identityPolicy: config.get("identityPolicy") ?? "bucket-admin",
    description: `S3 access for ${appName} (managed by Pulumi)`,
    // Change it (e.g. to this month, "2026-11") to rotate: the new key is created, everything
    // below is updated to it, and only then is the old key deleted.
    rotationTrigger: config.get("rotationTrigger"),
  });

  const bucket = new ObjectStorageBucket("app-bucket", {
    key,
    bucketName: config.get("bucketName"),
    forceDestroy: config.getBoolean("forceDestroy") ?? false,
  });

  // Nscale's S3 signing region is whatever you configure (nscale:region); S3 clients accept
  // us-east-1 when none is set, which is what the bucket resource signs with too.
  const region = key.region.apply((r) => r ?? "us-east-1");

  const app = appCredentials(
    { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, s3Endpoint: key.s3Endpoint, region, bucketName: bucket.bucketName },
    { name: config.get("kubernetesSecretName") ?? `${appName}-s3`, namespace: config.get("kubernetesNamespace") ?? "default", appName },
  );

  return {
    keyId: key.keyId,
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    s3Endpoint: key.s3Endpoint,
    region,
    bucketName: bucket.bucketName,
    ...app,
  };
}

interface Credentials {
  accessKeyId: pulumi.Input<string>;
  secretAccessKey: pulumi.Input<string>;
  s3Endpoint: pulumi.Input<string>;
  region: pulumi.Input<string>;
  bucketName: pulumi.Input<string>;
}

/**
 * The credentials in three shapes. `pulumi.interpolate`/`pulumi.all` keep the secretness of the
 * secret access key, and `pulumi.secret` makes it explicit: none of these is ever shown or stored
 * in plaintext.
 */
export function appCredentials(c: Credentials, k8s: { name: string; namespace: string; appName: string }) {
  const dotenv = pulumi.secret(pulumi.interpolate`AWS_ACCESS_KEY_ID=${c.accessKeyId}
AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}
AWS_ENDPOINT_URL_S3=${c.s3Endpoint}
AWS_REGION=${c.region}
S3_BUCKET=${c.bucketName}
`);

  const environment = pulumi.secret(
    pulumi.all([c.accessKeyId, c.secretAccessKey, c.s3Endpoint, c.region, c.bucketName]).apply(
      ([accessKeyId, secretAccessKey, s3Endpoint, region, bucketName]): Record<string, string> => ({
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_ENDPOINT_URL_S3: s3Endpoint,
        AWS_REGION: region,
        S3_BUCKET: bucketName,
      }),
    ),
  );

  // JSON strings are valid YAML double-quoted scalars, so every value is quoted safely.
  const q = (s: string) => JSON.stringify(s);
  const kubernetesSecret = pulumi.secret(
    environment.apply((env) =>
      [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        `  name: ${q(k8s.name)}`,
        `  namespace: ${q(k8s.namespace)}`,
        "  labels:",
        `    app.kubernetes.io/name: ${q(k8s.appName)}`,
        `    app.kubernetes.io/managed-by: "pulumi"`,
        "type: Opaque",
        "stringData:",
        ...Object.entries(env).map(([k, v]) => `  ${k}: ${q(v)}`),
        "",
      ].join("\n"),
    ),
  );

  return { dotenv, kubernetesSecret, environment };
}
