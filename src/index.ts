export {
  ObjectStorageAccessKey,
  accessKeyProvider,
  SECRET_OUTPUTS,
  type ObjectStorageAccessKeyArgs,
  type NscaleAccessKeyArgs,
  type HostUpAccessKeyArgs,
  type AdoptArgs,
} from "./resource";
export { ProviderApiError, ConfigurationError, LifecycleError, reasonOf } from "./errors";
export type { ErrorReason, ApiReason, ConfigurationReason, LifecycleReason, CloudReason, KeyCreatedButFailedReason } from "./errors";
export type { NscaleReason } from "./clouds/nscale/reasons";
export type { HostUpReason } from "./clouds/hostup/reasons";
export { PartialCreateError } from "./provider/abi";
export { S3Client, probeKey, type S3Credentials } from "./s3/client";
import { hostupSettings } from "./clouds/hostup/model";
import { nscaleSettings } from "./clouds/nscale/model";
export const DEFAULT_NSCALE_API_URL = nscaleSettings.apiUrl.default;
export const DEFAULT_HOSTUP_API_URL = hostupSettings.apiUrl.default;
export { ObjectStorageBucket, bucketProvider, type ObjectStorageBucketArgs } from "./bucket";
