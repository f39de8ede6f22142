import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);

/** Redoc's footer logo is fetched from a CDN; CSP would block it, so it is never requested. */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

function redocBundle(file: string): string {
  const source = readFileSync(file, 'utf8');
  if (!source.includes(REDOC_CDN_LOGO)) return source;
  // An inline, empty SVG keeps the markup intact without any request to another host.
  return source.replaceAll(REDOC_CDN_LOGO, 'data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E');
}

/**
 * The server's `/api/docs` page loads `/vendor/redoc.standalone.js`. Sentia must work with
 * no internet, so the Redoc bundle ships inside `dist/` (and is served by the dev server).
 */
function vendorRedoc(): Plugin {
  const file = require.resolve('redoc/bundles/redoc.standalone.js');
  const license = require.resolve('redoc/bundles/redoc.standalone.js.LICENSE.txt');
  return {
    name: 'sentia-vendor-redoc',
    configureServer(server) {
      server.middlewares.use('/vendor/redoc.standalone.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
        res.end(redocBundle(file));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'vendor/redoc.standalone.js', source: redocBundle(file) });
      this.emitFile({
        type: 'asset',
        fileName: 'vendor/redoc.standalone.js.LICENSE.txt',
        source: readFileSync(license),
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), tailwindcss(), vendorRedoc()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
});
