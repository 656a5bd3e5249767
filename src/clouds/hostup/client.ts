/**
 * HostUp object-storage API client: the only code that knows HostUp's paths and envelope.
 */
import { HttpClient, headerValue, type RawResponse, type HttpClientOptions } from "../../http/client";
import type { RetryObserver } from "../../http/retry";
import {
  BucketListResponse,
  BucketResponse,
  DeletedResponse,
  ErrorBody,
  KeyCreateResponse,
  LAST_KEY_MESSAGE,
  ServiceStatusResponse,
} from "./schemas";

export interface HostUpClientOptions {
  apiUrl: string;
  apiKey: string;
  retry?: HttpClientOptions["retry"];
  timeouts?: HttpClientOptions["timeouts"];
  observer?: RetryObserver;
}

const KEY_HINT =
  "Set a valid HostUp API key: `pulumi config set --secret hostup:apiKey <key>`, or the HOSTUP_API_KEY environment variable (create keys at https://cloud.hostup.se/api-management).";

export function isLastKeyRefusal(status: number, message: string | undefined): boolean {
  return status === 400 && message !== undefined && /last access key/i.test(message);
}

export function describeHostUpError(raw: RawResponse, _operation: string) {
  const parsed = ErrorBody.safeParse(raw.body);
  let code: string | undefined;
  let providerMessage: string | undefined;
  let requestId = headerValue(raw, "x-request-id");
  if (parsed.success) {
    const b = parsed.data;
    code = b.code;
    providerMessage = "message" in b ? b.message : (b.detail ?? b.title);
    requestId = b.requestId ?? requestId;
  } else if (typeof raw.body === "string" && raw.body) {
    providerMessage = raw.body;
  }
  let hint: string | undefined;
  if (isLastKeyRefusal(raw.status, providerMessage)) {
    hint =
      "HostUp never lets an account drop to zero object-storage keys. Create another key first (for example a second ObjectStorageAccessKey, or rotate by changing `rotationTrigger`, which creates the new key before deleting the old one), then delete this one; or keep it with the `retainOnDelete` resource option.";
  } else {
    switch (raw.status) {
      case 401:
        hint = `The API key was rejected. ${KEY_HINT}`;
        break;
      case 403:
        hint =
          "The API key is not allowed to manage object storage: grant it the object-storage scope (see GET /api/keys/scopes), and make sure the account is identity-verified and object storage is activated.";
        break;
      case 429:
        hint = "Rate limited by HostUp even after retries; reduce parallelism (`pulumi up --parallel 2`) or try again later.";
        break;
      default:
        if (raw.status >= 500) hint = "HostUp reported a server error; it may be transient, try again.";
    }
  }
  return { code, providerMessage, requestId, hint };
}

/** HostUp addresses a key by base64(accessKey) in the path (standard alphabet, padded, then URL-encoded). */
export function encodeAccessKeyForPath(accessKey: string): string {
  return encodeURIComponent(Buffer.from(accessKey, "utf8").toString("base64"));
}

export class HostUpClient {
  private readonly http: HttpClient;

  constructor(options: HostUpClientOptions) {
    this.http = new HttpClient({
      cloud: "hostup",
      baseUrl: options.apiUrl,
      authHeaders: { "x-api-key": options.apiKey },
      describeError: describeHostUpError,
      retry: options.retry,
      timeouts: options.timeouts,
      observer: options.observer,
    });
  }

  /** H1. Sent exactly once: never retried. */
  async createKey(label: string) {
    const res = await this.http.send({
      operation: "create object storage key",
      method: "POST",
      path: "object-storage/keys",
      body: { label },
      schema: KeyCreateResponse,
    });
    return { key: res.data.data.key, requestId: res.data.requestId };
  }

  /** H2. "deleted", or "gone" when HostUp no longer knows the key (404). */
  async deleteKey(accessKey: string): Promise<"deleted" | "gone"> {
    const res = await this.http.send({
      operation: "delete object storage key",
      method: "DELETE",
      path: `object-storage/keys/${encodeAccessKeyForPath(accessKey)}`,
      schema: DeletedResponse,
      passthroughStatuses: [404],
    });
    return res.status === 404 ? "gone" : "deleted";
  }

  /** H3. */
  async getServiceStatus() {
    const res = await this.http.send({
      operation: "read object storage status",
      method: "GET",
      path: "object-storage",
      schema: ServiceStatusResponse,
    });
    return res.data.data;
  }

  /** H5. */
  async createBucket(name: string) {
    const res = await this.http.send({
      operation: "create bucket",
      method: "POST",
      path: "object-storage/buckets",
      body: { name },
      schema: BucketResponse,
    });
    return res.data.data.bucket;
  }

  /** H6. `undefined` on 404. */
  async getBucket(name: string) {
    const res = await this.http.send({
      operation: "read bucket",
      method: "GET",
      path: `object-storage/buckets/${encodeURIComponent(name)}`,
      schema: BucketResponse,
      passthroughStatuses: [404],
    });
    return res.status === 404 ? undefined : res.data.data.bucket;
  }

  /** H4. */
  async listBuckets() {
    const res = await this.http.send({
      operation: "list buckets",
      method: "GET",
      path: "object-storage/buckets",
      schema: BucketListResponse,
    });
    return res.data.data.buckets;
  }

  /** H7. "deleted", or "gone" on 404. */
  async deleteBucket(name: string): Promise<"deleted" | "gone"> {
    const res = await this.http.send({
      operation: "delete bucket",
      method: "DELETE",
      path: `object-storage/buckets/${encodeURIComponent(name)}`,
      schema: DeletedResponse,
      passthroughStatuses: [404],
    });
    return res.status === 404 ? "gone" : "deleted";
  }
}

export { LAST_KEY_MESSAGE };
