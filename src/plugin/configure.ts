/**
 * Provider configuration reaches the plugin here, and only here.
 *
 * Why this is not a `configure` method: `@pulumi/pulumi/provider`'s gRPC server (3.248 through at
 * least 3.276) answers `Configure` itself with only the protocol flags (acceptSecrets, ...), drops
 * the request, and its `Provider` interface has no configure hook. So the plugin wraps the
 * deserializer of the `Configure` request in the service definition that server registers
 * (`@pulumi/pulumi/proto/provider_grpc_pb`, the same module instance the SDK's server loads): every
 * Configure request is read on its way in, before the SDK's handler answers, and nothing else of
 * the SDK changes. If an SDK release ever adds a hook, this file is what to replace; the tests in
 * test/integration/plugin-configure.test.ts run against both SDK lines in CI.
 *
 * The engine hands a native provider only its own namespace, as `args` (typed, secrets wrapped) and
 * the older `variables` (`<pkg>:config:<key>` → string). Both are read; `args` wins.
 */
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
