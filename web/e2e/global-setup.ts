import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_INFO_FILE } from './server-url';

export const DEMO_PASSWORD = 'e2e-Demo-Passw0rd!';
export const SHOPIFY_WEBHOOK_SECRET = 'e2e-shopify-app-secret';
export const SHOPIFY_UK_SHOP = 'sentia-uk.myshopify.com';
const STARTUP_TIMEOUT_MS = 120_000;
const LISTENING = /Sentia is listening on (http:\/\/127\.0\.0\.1:\d+)/;

/** Resolves with the URL once the server prints its "listening" line (stdout or stderr). */
function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      finish(new Error(`sentia did not report listening within ${String(STARTUP_TIMEOUT_MS / 1000)} s.\n${output}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (match?.[1]) finish(null, match[1]);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      finish(new Error(`sentia exited early (code ${String(code)}, signal ${String(signal)}).\n${output}`));
    };
    const onError = (error: Error) => {
      finish(error);
    };
    let done = false;
    function finish(error: Error | null, url?: string) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else if (url) resolvePromise(url);
    }
    // Keep draining both pipes for the whole run so the server never blocks on a full pipe.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolvePromise();
      return;
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.SENTIA_BASE_URL) {
    return async () => {};
  }
  // SENTIA_BIN is taken relative to the current directory; the default relative to web/.
  const webDir = fileURLToPath(new URL('..', import.meta.url));
  const bin = process.env.SENTIA_BIN ? resolve(process.env.SENTIA_BIN) : resolve(webDir, '../target/debug/sentia');
  const dataDir = mkdtempSync(join(tmpdir(), 'sentia-e2e-'));
  const child = spawn(bin, ['serve', '--bind', '127.0.0.1:0'], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${join(dataDir, 'sentia.db')}?mode=rwc`,
      SENTIA_DEMO_PASSWORD: DEMO_PASSWORD,
      SENTIA_DEMO_DAYS: '400',
      // The forecasting test walks all 54 series in half a minute, faster than the
      // product's 100 API requests a minute per user allow a person.
      SENTIA_API_RATE_PER_MINUTE: '2000',
      // Every test signs in afresh from the same address, faster than 20 a minute.
      SENTIA_AUTH_RATE_PER_MINUTE: '500',
      SENTIA_MASTER_KEY_FILE: join(dataDir, 'master.key'),
      // The Shopify webhook test signs its deliveries with this secret.
      SENTIA_SHOPIFY_WEBHOOK_SECRET: SHOPIFY_WEBHOOK_SECRET,
      SENTIA_SHOPIFY_SHOPS: `${SHOPIFY_UK_SHOP}=SHOP-UK`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const teardown = async () => {
    await stop(child);
    rmSync(SERVER_INFO_FILE, { force: true });
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const baseURL = await waitForListening(child);
    writeFileSync(SERVER_INFO_FILE, JSON.stringify({ baseURL }));
    process.env.SENTIA_BASE_URL = baseURL;
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
