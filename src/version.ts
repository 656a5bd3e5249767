// Resolved at run time so src/ (tests) and dist/ (published) both read the package's own manifest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const manifest = require("../package.json") as { name: string; version: string };

export const PACKAGE_NAME = manifest.name;
export const PACKAGE_VERSION = manifest.version;
export const USER_AGENT = `${manifest.name}/${manifest.version} (node ${process.version})`;
