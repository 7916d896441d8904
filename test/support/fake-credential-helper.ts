/**
 * A `docker-credential-NAME` program (get/store/erase, JSON on stdin/stdout, as docker's
 * credential helpers speak) that keeps credentials in a JSON file next to it and logs each call's
 * action. Put `binDir` first on PATH. It never writes a secret to stderr.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeFakeCredentialHelper(name: string): { binDir: string; store: string; log: string } {
  const binDir = mkdtempSync(join(tmpdir(), 'edgecog-cred-'));
  const store = join(binDir, 'store.json');
  const log = join(binDir, 'calls.log');
  const script = `#!/usr/bin/env node
const fs = require('fs');
const store = ${JSON.stringify(store)};
const data = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {};
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  fs.appendFileSync(${JSON.stringify(log)}, process.argv[2] + '\\n');
  const action = process.argv[2];
  if (action === 'get') {
    const entry = data[input.trim()];
    if (!entry) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: entry.Username, Secret: entry.Secret }));
  } else if (action === 'store') {
    const c = JSON.parse(input);
    data[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
    fs.writeFileSync(store, JSON.stringify(data));
  } else if (action === 'erase') {
    delete data[input.trim()];
    fs.writeFileSync(store, JSON.stringify(data));
  } else process.exit(2);
});
`;
  const path = join(binDir, `docker-credential-${name}`);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return { binDir, store, log };
}
