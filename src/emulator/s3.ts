/** Minimal path-style S3 data plane shared by both clouds; every request is SigV4-verified. */
import { createHash } from "node:crypto";
import { s3Error, xmlEscape } from "./errors";
import { header, parseQuery, safeDecode, type EmuRequest, type EmuResponse } from "./http";
import { policyAllows } from "./policy";
import { CHECKSUM_PREFIX, crc32Base64, declaredChecksums, verifyChecksums } from "./s3-checksum";
import { parseDeleteRequest, s3Document, XMLNS } from "./s3-xml";
import { encodeS3Segment, verifySigV4 } from "./sigv4";
import { HOSTUP_TENANT_ID, type Bucket, type EmulatorState, type S3Principal } from "./state";

const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const LIST_PARAMS = new Set(["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "marker", "encoding-type", "fetch-owner"]);
const PRESIGN_PARAMS = /^X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token)$/;
/** Query parameters that name no subresource: the AWS SDKs add `x-id=<Operation>` to object requests. */
const IGNORED_PARAMS = new Set(["x-id"]);

function xml(status: number, body: string, headers: Record<string, string> = {}): EmuResponse {
  return {
    status,
    headers: { "content-type": "application/xml", ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export async function handleS3(state: EmulatorState, signedReq: EmuRequest): Promise<EmuResponse> {
  const auth = await verifySigV4(signedReq, (ak) => state.s3Principal(ak));
  if (!auth.ok) return s3Error(auth.error.status, auth.error.code, auth.error.message);
  const principal = auth.principal;
  // From here on the body is the payload itself, whatever framing (aws-chunked) carried it.
  const req: EmuRequest = { ...signedReq, body: auth.body };
  const checksumFailure = () => {
    const failure = verifyChecksums(req.body, header(req, "content-md5"), declaredChecksums(req.headers, auth.trailers));
    return failure ? s3Error(failure.status, failure.code, failure.message) : undefined;
  };

  const slash = req.path.indexOf("/", 1);
  const bucketName = safeDecode(slash < 0 ? req.path.slice(1) : req.path.slice(1, slash));
  const key = slash < 0 ? "" : safeDecode(req.path.slice(slash + 1));
  if (bucketName === undefined || key === undefined) return s3Error(400, "InvalidURI", "Couldn't parse the specified URI.");
  const query = parseQuery(req.rawQuery);
  const subresources = [...query.keys()].filter((q) => !PRESIGN_PARAMS.test(q) && !IGNORED_PARAMS.has(q));

  if (!bucketName) {
    if (req.method !== "GET") return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    if (!allowed(principal, "s3:ListAllMyBuckets", "arn:aws:s3:::*")) return s3Error(403);
    return listBuckets(state, principal);
  }

  const bucket = state.buckets.get(bucketName);
  const resource = key ? `${bucketName}/${key}` : bucketName;
  const isCreateBucket = !key && req.method === "PUT";
  if (bucket && !ownedBy(bucket, principal) && !isCreateBucket) {
    return s3Error(403, "AccessDenied", "Access Denied", `/${resource}`);
  }
  const deny = (action: string) =>
    allowed(principal, action, `arn:aws:s3:::${resource}`) ? undefined : s3Error(403, "AccessDenied", "Access Denied", `/${resource}`);
  const noSuchBucket = () => s3Error(404, "NoSuchBucket", "The specified bucket does not exist", `/${bucketName}`);

  if (!key && req.method === "POST" && subresources.length === 1 && subresources[0] === "delete") {
    if (!bucket) return noSuchBucket();
    return checksumFailure() ?? deleteObjects(bucket, principal, req, auth.trailers);
  }

  if (!key) {
    const bucketAction = bucketActionFor(req.method, subresources);
    if (!bucketAction) {
      return subresources.length > 0 ? notImplemented() : s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }
    const denied = deny(bucketAction);
    if (denied) return denied;
    if (bucketAction === "s3:CreateBucket") return createBucket(state, principal, bucketName);
    if (!bucket) return noSuchBucket();
    switch (bucketAction) {
      case "s3:DeleteBucket":
        if (bucket.objects.size > 0) {
          return s3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty", `/${bucketName}`);
        }
        state.buckets.delete(bucket.name);
        return { status: 204 };
      case "s3:GetBucketLocation": {
        const region = principal.region === "us-east-1" ? "" : xmlEscape(principal.region);
        return xml(200, `<LocationConstraint xmlns="${XMLNS}">${region}</LocationConstraint>`);
      }
      default:
        return req.method === "HEAD" ? { status: 200, headers: { "x-amz-bucket-region": principal.region } } : listObjects(bucket, query);
    }
  }

  if (subresources.length > 0) return notImplemented();
  const objectActions: Record<string, string> = {
    PUT: "s3:PutObject",
    GET: "s3:GetObject",
    HEAD: "s3:GetObject",
    DELETE: "s3:DeleteObject",
  };
  const action = objectActions[req.method];
  if (!action) return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  const denied = deny(action);
  if (denied) return denied;
  if (!bucket) return noSuchBucket();
  switch (req.method) {
    case "PUT":
      return checksumFailure() ?? putObject(bucket, key, req, auth.trailers);
    case "DELETE":
      bucket.objects.delete(key);
      return { status: 204 };
    default: {
      const object = bucket.objects.get(key);
      if (!object) return s3Error(404, "NoSuchKey", "The specified key does not exist.", `/${resource}`);
      return {
        status: 200,
        headers: {
          "content-type": object.contentType,
          "content-length": String(object.body.length),
          etag: object.etag,
          "last-modified": object.lastModified.toUTCString(),
          // The SDKs ask for it (x-amz-checksum-mode: ENABLED) and check the body against it.
          ...(header(req, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED"
            ? { "x-amz-checksum-crc32": crc32Base64(object.body), "x-amz-checksum-type": "FULL_OBJECT" }
            : {}),
          ...Object.fromEntries(Object.entries(object.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
        },
        body: req.method === "HEAD" ? undefined : object.body,
      };
    }
  }
}

/** The IAM action of a bucket-level request, or undefined when the emulator does not implement it. */
function bucketActionFor(method: string, subresources: string[]): string | undefined {
  if (method === "GET" && subresources.length === 1 && subresources[0] === "location") return "s3:GetBucketLocation";
  if (method === "GET" && subresources.every((q) => LIST_PARAMS.has(q))) return "s3:ListBucket";
  if (subresources.length > 0) return undefined;
  const actions: Record<string, string> = { PUT: "s3:CreateBucket", HEAD: "s3:ListBucket", DELETE: "s3:DeleteBucket" };
  return actions[method];
}

function notImplemented(): EmuResponse {
  return s3Error(501, "NotImplemented", "A header or query you provided implies functionality that is not implemented.");
}

function allowed(principal: S3Principal, action: string, resource: string): boolean {
  if (principal.cloud === "hostup") return true; // HostUp keys are unscoped (docs/provider-apis.md §2.5).
  return policyAllows(principal.policy?.document, action, resource);
}

function ownedBy(bucket: Bucket, principal: S3Principal): boolean {
  if (bucket.owner !== principal.cloud) return false;
  return principal.cloud === "hostup" || bucket.endpointId === principal.endpointId;
}

function ownerXml(principal: S3Principal): string {
  const id = principal.cloud === "hostup" ? `${HOSTUP_TENANT_ID}$main` : `nscale-${principal.endpointId}`;
  return `<Owner><ID>${xmlEscape(id)}</ID><DisplayName>${xmlEscape(id)}</DisplayName></Owner>`;
}

function listBuckets(state: EmulatorState, principal: S3Principal): EmuResponse {
  const buckets = [...state.buckets.values()]
    .filter((b) => ownedBy(b, principal))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((b) => `<Bucket><Name>${xmlEscape(b.name)}</Name><CreationDate>${b.createdAt}</CreationDate></Bucket>`)
    .join("");
  return xml(200, `<ListAllMyBucketsResult xmlns="${XMLNS}">${ownerXml(principal)}<Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`);
}

function createBucket(state: EmulatorState, principal: S3Principal, name: string): EmuResponse {
  if (!S3_BUCKET_NAME.test(name) || name.includes("..")) {
    return s3Error(400, "InvalidBucketName", "The specified bucket is not valid.", `/${name}`);
  }
  const existing = state.buckets.get(name);
  if (existing) {
    return ownedBy(existing, principal)
      ? s3Error(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", `/${name}`)
      : s3Error(409, "BucketAlreadyExists", "The requested bucket name is not available.", `/${name}`);
  }
  state.buckets.set(name, {
    owner: principal.cloud,
    name,
    createdAt: new Date().toISOString(),
    ...(principal.cloud === "nscale" ? { endpointId: principal.endpointId } : {}),
    objects: new Map(),
  });
  return { status: 200, headers: { location: `/${name}` } };
}

function putObject(bucket: Bucket, key: string, req: EmuRequest, trailers: Record<string, string>): EmuResponse {
  if (header(req, "x-amz-copy-source") !== undefined) return notImplemented();
  const etag = `"${createHash("md5").update(req.body).digest("hex")}"`;
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith("x-amz-meta-") && typeof value === "string") metadata[name.slice("x-amz-meta-".length)] = value;
  }
  bucket.objects.set(key, {
    body: req.body,
    contentType: header(req, "content-type") ?? "binary/octet-stream",
    etag,
    lastModified: new Date(),
    metadata,
  });
  // S3 echoes the checksums it verified.
  return { status: 200, headers: { etag, ...prefixed(declaredChecksums(req.headers, trailers)) } };
}

function prefixed(checksums: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...checksums].map(([algorithm, value]) => [`${CHECKSUM_PREFIX}${algorithm}`, value]));
}

/** DeleteObjects: each key authorised on its own, as S3 does; a missing key counts as deleted. */
function deleteObjects(bucket: Bucket, principal: S3Principal, req: EmuRequest, trailers: Record<string, string>): EmuResponse {
  if (header(req, "content-md5") === undefined && declaredChecksums(req.headers, trailers).size === 0) {
    return s3Error(400, "InvalidRequest", "Missing required header for this request: Content-MD5 OR x-amz-checksum-*");
  }
  const request = parseDeleteRequest(req.body);
  if (!request) {
    return s3Error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
  }
  const deleted: Array<{ Key: string }> = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const key of request.keys) {
    if (!allowed(principal, "s3:DeleteObject", `arn:aws:s3:::${bucket.name}/${key}`)) {
      errors.push({ Key: key, Code: "AccessDenied", Message: "Access Denied" });
      continue;
    }
    bucket.objects.delete(key);
    if (!request.quiet) deleted.push({ Key: key });
  }
  return xml(200, s3Document("DeleteResult", { Deleted: deleted, Error: errors }));
}

/** ListObjectsV2 (list-type=2) and, with the same logic, ListObjects v1 (marker). */
function listObjects(bucket: Bucket, query: Map<string, string[]>): EmuResponse {
  const one = (name: string) => query.get(name)?.[0];
  const v2 = one("list-type") === "2";
  const prefix = one("prefix") ?? "";
  const delimiter = one("delimiter") ?? "";
  const rawMaxKeys = one("max-keys");
  if (rawMaxKeys !== undefined && !/^\d+$/.test(rawMaxKeys)) {
    return s3Error(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
  }
  const maxKeys = Math.min(1000, Number(rawMaxKeys ?? 1000));
  const encodingType = one("encoding-type");
  if (encodingType !== undefined && encodingType !== "url") return s3Error(400, "InvalidArgument", "Invalid Encoding Method specified in Request");
  // encoding-type=url: keys and prefixes percent-encoded, so that any key survives XML 1.0.
  const enc = (s: string) => (encodingType === "url" ? s.split("/").map(encodeS3Segment).join("/") : s);
  const token = one("continuation-token");
  const startAfter = one("start-after");
  const after = v2 ? (token !== undefined ? Buffer.from(token, "base64url").toString("utf8") : (startAfter ?? "")) : (one("marker") ?? "");

  const contents: Array<Record<string, unknown>> = [];
  const prefixes = new Set<string>();
  let last = "";
  let truncated = false;
  for (const key of [...bucket.objects.keys()].sort()) {
    if (!key.startsWith(prefix) || key <= after) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const commonPrefix = cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
    if (commonPrefix !== undefined && prefixes.has(commonPrefix)) {
      last = key;
      continue;
    }
    if (contents.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    last = key;
    if (commonPrefix !== undefined) {
      prefixes.add(commonPrefix);
      continue;
    }
    const o = bucket.objects.get(key);
    if (!o) continue;
    contents.push({ Key: enc(key), LastModified: o.lastModified.toISOString(), ETag: o.etag, Size: o.body.length, StorageClass: "STANDARD" });
  }
  const paging = v2
    ? {
        KeyCount: contents.length + prefixes.size,
        ...(token !== undefined ? { ContinuationToken: token } : {}),
        ...(truncated ? { NextContinuationToken: Buffer.from(last, "utf8").toString("base64url") } : {}),
        ...(startAfter !== undefined ? { StartAfter: enc(startAfter) } : {}),
      }
    : { Marker: enc(one("marker") ?? ""), ...(truncated ? { NextMarker: enc(last) } : {}) };
  return xml(
    200,
    s3Document("ListBucketResult", {
      Name: bucket.name,
      Prefix: enc(prefix),
      ...paging,
      MaxKeys: maxKeys,
      ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      ...(encodingType ? { EncodingType: encodingType } : {}),
      IsTruncated: truncated,
      Contents: contents,
      CommonPrefixes: [...prefixes].map((p) => ({ Prefix: enc(p) })),
    }),
  );
}
