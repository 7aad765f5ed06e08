import ranked from "./common-passwords.txt";

// The 5,000 most frequent passwords that the length rule alone would let through, one per line,
// lower-cased (scripts/common-passwords.mjs writes the file and says where it comes from). A Text
// module (wrangler.toml `[[rules]]`): it stays out of the JavaScript bundle, and the Set is built
// on the first password check instead of when the isolate starts.
let commonPasswordSet: ReadonlySet<string> | undefined;

export function commonPasswords(): ReadonlySet<string> {
  commonPasswordSet ??= new Set(ranked.split("\n"));
  return commonPasswordSet;
}
