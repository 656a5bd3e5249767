export {
  ObjectStorageAccessKey,
  accessKeyProvider,
  SECRET_OUTPUTS,
  type ObjectStorageAccessKeyArgs,
  type NscaleAccessKeyArgs,
  type HostUpAccessKeyArgs,
  type AdoptArgs,
} from "./resource";
export { ProviderApiError, ConfigurationError, LifecycleError, PartialCreateError } from "./errors";
export { S3Client, probeKey, type S3Credentials } from "./s3/client";
export { DEFAULT_HOSTUP_API_URL, DEFAULT_NSCALE_API_URL } from "./provider/settings";
export { ObjectStorageBucket, bucketProvider, type ObjectStorageBucketArgs } from "./bucket";
