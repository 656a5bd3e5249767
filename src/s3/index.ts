/** The library's S3 client: no Pulumi, no clouds, only S3 as the endpoint speaks it. */
export { MAX_DELETE_BATCH, S3Client } from "./client";
export { probeKey, type KeyProbe } from "./probe";
export { bucketPath, objectPath, uriEncode, type S3ClientOptions, type S3Credentials, type S3RequestOptions, type S3Response } from "./transport";
