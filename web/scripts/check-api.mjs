// Fails when src/api/generated/schema.d.ts is stale relative to openapi.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'sentia-api-'));
const fresh = join(dir, 'schema.d.ts');
try {
  execFileSync('npx', ['--no-install', 'openapi-typescript', 'openapi.json', '-o', fresh], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const committed = readFileSync('src/api/generated/schema.d.ts', 'utf8');
  if (readFileSync(fresh, 'utf8') !== committed) {
    console.error('src/api/generated/schema.d.ts is stale: run `npm run gen:api` and commit the result.');
    process.exitCode = 1;
  } else {
    console.log('API types are up to date.');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
