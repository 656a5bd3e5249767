#!/usr/bin/env node
/**
 * `pulumi-resource-object-storage-keys`: the native provider plugin's executable. The engine
 * starts it, reads the port it prints, and speaks the provider protocol to it.
 */
import * as provider from "@pulumi/pulumi/provider";
import { configure } from "../provider/operations";
import { useConfigNamespace } from "../settings";
import { captureConfigure, emptyPropertiesOnImport } from "./sdk-gaps";
import { PACKAGE } from "./package";
import { nativeProvider } from "./provider";

useConfigNamespace(PACKAGE);
captureConfigure(PACKAGE, configure);
emptyPropertiesOnImport();
provider.main(nativeProvider(), process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
