/**
 * The two places where `@pulumi/pulumi/provider`'s gRPC server (3.248 through at least 3.276) does
 * not let a provider do its job, worked around here and nowhere else. Both wrap a request
 * deserializer in the service definition that server registers
 * (`@pulumi/pulumi/proto/provider_grpc_pb`, the same module instance the SDK's server loads), so
 * the request is seen or fixed on its way in and nothing else of the SDK changes. If an SDK release
 * closes a gap, its function here is what to delete; test/integration/plugin.test.ts runs on both
 * SDK lines in CI and fails if either gap reopens.
 *
 * 1. Configure: the server answers it itself with only the protocol flags (acceptSecrets, ...),
 *    drops the request, and the `Provider` interface has no configure hook, so provider config
 *    (`object-storage-keys:nscaleApiToken`, ...) would never arrive. The engine hands a native
 *    provider only its own namespace, as `args` (typed, secrets wrapped) and the older `variables`
 *    (`<pkg>:config:<key>` → string). Both are read; `args` wins.
 * 2. Read during `pulumi import`: the engine sends no `properties` (there is no state yet), and the
 *    server calls `req.getProperties().toJavaScript()` on the missing Struct, failing every import
 *    with "Cannot read properties of undefined (reading 'toJavaScript')". An empty Struct is what the
 *    provider's import-time read expects.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type { ConfigSource } from "../settings";
import { unwrap } from "./wire";

interface ConfigureRequestLike {
  getArgs(): { toJavaScript(): Record<string, unknown> } | undefined;
  getVariablesMap(): { toObject(): Array<[string, string]> };
}

/** The config one Configure request carries, under the keys users set (`<pkg>:<key>`). */
export function configFromRequest(pkg: string, request: ConfigureRequestLike): ConfigSource {
  const values = new Map<string, string>();
  const prefix = `${pkg}:config:`;
  for (const [key, value] of request.getVariablesMap().toObject()) {
    if (key.startsWith(prefix)) values.set(`${pkg}:${key.slice(prefix.length)}`, value);
  }
  const { plain } = unwrap(request.getArgs()?.toJavaScript());
  for (const [key, value] of Object.entries(plain)) {
    if (value === undefined || value === null) continue;
    values.set(`${pkg}:${key}`, typeof value === "string" ? value : JSON.stringify(value));
  }
  return { get: (key) => values.get(key) };
}

/** Calls `onConfigure` with every Configure request's config; install before `provider.main`. */
export function captureConfigure(pkg: string, onConfigure: (config: ConfigSource) => void): void {
  const method = providerGrpc.ResourceProviderService.configure;
  const deserialize = method.requestDeserialize;
  method.requestDeserialize = (bytes: Buffer) => {
    const request = deserialize(bytes);
    onConfigure(configFromRequest(pkg, request));
    return request;
  };
}

/** Gives an import-time Read request (no state) an empty `properties` Struct; install before `provider.main`. */
export function emptyPropertiesOnImport(): void {
  const method = providerGrpc.ResourceProviderService.read;
  const deserialize = method.requestDeserialize;
  method.requestDeserialize = (bytes: Buffer) => {
    const request = deserialize(bytes);
    if (!request.hasProperties()) request.setProperties(new Struct());
    return request;
  };
}
