// Entry point for `pulumi up` at the repository root (Pulumi.yaml has `main: demo/`).
// `npm run demo` runs the same function as an Automation API inline program.
import { demoProgram } from "./program";

export = demoProgram();
