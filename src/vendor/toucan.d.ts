// Types of ./toucan.js, which scripts/vendor-assets.mjs bundles from toucan-js (git-ignored).
export { Toucan } from "toucan-js";
