/** What S3-compatible servers sign with when they report no region (AWS's own default). Kept apart from the signer so reading it loads nothing. */
export const DEFAULT_SIGNING_REGION = "us-east-1";
