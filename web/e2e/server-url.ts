import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** File the global setup writes the started server's URL to (read by the test workers). */
export const SERVER_INFO_FILE = fileURLToPath(new URL('./.server.json', import.meta.url));

export function serverUrl(): string {
  const fromEnv = process.env.SENTIA_BASE_URL;
  if (fromEnv) return fromEnv;
  const info = JSON.parse(readFileSync(SERVER_INFO_FILE, 'utf8')) as { baseURL: string };
  return info.baseURL;
}
