/**
 * The `__provider` text a program stores for an ObjectStorageAccessKey: the SDK's closure
 * serializer over the same shim object, captured under the same name `provider` that
 * `pulumi.dynamic.Resource` uses (serializeFunctionMaybeSecret in @pulumi/pulumi/dynamic), so the
 * import file carries the exact text the program's first `up` produces. Loaded lazily: it needs
 * @pulumi/pulumi (the peer dependency the program already has).
 */
export async function serializedAccessKeyProvider(): Promise<string> {
  const pulumi = await import("@pulumi/pulumi");
  const { accessKeyProvider } = await import("../resource.js");
  const provider = accessKeyProvider;
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  if (serialized.containsSecrets) throw new Error("the serialized provider captured a secret; this is a bug in this library.");
  return serialized.text;
}
