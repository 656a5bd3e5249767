/** Resource arguments every cloud accepts (the TypeScript face of ./fields.ts). */
import type * as pulumi from "@pulumi/pulumi";

export interface CommonArgs {
  /** Any string; changing it replaces the key (new key first, then the old one is deleted). */
  rotationTrigger?: pulumi.Input<string>;
  /**
   * A duration such as "90d", "12h", "2w": once the key is older, the next `up` replaces it (new
   * key first; dependents are updated to the new key before the old one is deleted).
   */
  rotateAfter?: pulumi.Input<string>;
  /** Overrides the API base URL for this resource (else stack config, env, then the default). */
  apiUrl?: pulumi.Input<string>;
}

/** Adopt an existing key instead of creating one (`pulumi import` with `import-file` is the other way). */
export interface AdoptArgs {
  /** Nscale: the key's metadata.id (UUID). HostUp: its accessKey. */
  keyId: pulumi.Input<string>;
  /** Verified with a signed S3 request and exposed as `secretAccessKey`. Required for HostUp. */
  secretAccessKey?: pulumi.Input<string>;
}
