// Entry point for `pulumi up` in this folder: the program lives in program.ts so the repo's runner
// (scripts/run-example) can run exactly the same code as an Automation API inline program.
import { program } from "./program";

export const {
  keyId,
  accessKeyId,
  secretAccessKey,
  s3Endpoint,
  region,
  bucketName,
  dotenv,
  kubernetesSecret,
  environment,
} = program();
