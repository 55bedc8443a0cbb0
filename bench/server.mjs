// One local static server for all three renderers, so they load over the
// same connection type from the same origin:
// - `/bench-forms/NAME.json`, `NAME.surveyjs.json`, `NAME.formio.json`: the
//   generated forms, from memory;
// - `/bench/pages/...`: the SurveyJS and Form.io pages;
// - `/bench/node_modules/...`: the peers' packages, as the pages load them;
// - `/unite_us/v3/widgets/assistance_requests/form_config`: the Unite US
//   form configuration the widget reads at start, holding the phone
//   profile's generated form (`unite-us-form-config.json` among the forms);
// - anything else: our release build (dist/), a directory's index.html for
//   its path (`/widget` is the widget's own build), with single-page
//   fallback to index.html as in tests/e2e/support.mjs, so `/preview?...` is
//   our app.
//
// The phone profile turns on `compress`: a real server sends text and
// WebAssembly gzip-encoded, and the throttled network must carry what it
// would; what the runner counts is still each file's own bytes.
//
// dist/ is read into memory once at start: another engineer may rebuild it
// during a run, and a half-written build must not end up in the figures.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';

const benchDir = import.meta.dirname;
const repoDir = join(benchDir, '..');
export const distDir = join(repoDir, 'dist');
const contentTypes = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
};

function filesUnder(directory) {
  return readdirSync(directory, { recursive: true })
    .map((name) => join(directory, name))
    .filter((path) => statSync(path).isFile());
}

/**
 * Reads dist/ into memory and checks that index.html's scripts, styles and
 * WebAssembly are all there; throws with the reason otherwise.
 */
export function snapshotDist() {
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error('dist/index.html is missing: build the app with `trunk build --release` (or `cargo xtask run`) first');
  }
  const files = new Map();
  for (const path of filesUnder(distDir)) {
    files.set(`/${relative(distDir, path).split(sep).join('/')}`, readFileSync(path));
  }
  const referenced = referencedBy(files, '/index.html');
  return { files, referenced, builtAt: statSync(join(distDir, 'index.html')).mtime };
}

/**
 * The widget's first load from its own build (`dist/widget/`, served at
 * /widget): its HTML, every script, style and WebAssembly file the HTML
 * refers to, and every module those scripts import statically (the split
 * chunks' loader), as `[{ path, body }]`; throws when the build is missing
 * or incomplete.
 */
export function widgetFirstLoad(dist) {
  if (!dist.files.has('/widget/index.html')) throw new Error('dist/widget/index.html is missing: build with `cargo xtask build` first');
  // The app's own files only: the configuration the page preloads is the
  // deployment's data, like the form, and no more counted than it.
  const code = referencedBy(dist.files, '/widget/index.html').filter((path) => /\.(js|css|wasm)$/.test(path));
  const paths = new Set(['/widget/index.html', ...code]);
  for (const path of paths) {
    if (!path.endsWith('.js')) continue;
    for (const [, specifier] of dist.files.get(path).toString('utf8').matchAll(/^import\b[^'"]*['"]([^'"]+)['"]/gm)) {
      const imported = new URL(specifier, `http://x${path}`).pathname;
      if (!dist.files.has(imported)) throw new Error(`dist/ is incomplete: ${path.slice(1)} imports ${imported}, which is missing`);
      paths.add(imported);
    }
  }
  return [...paths].map((path) => ({ path, body: dist.files.get(path) }));
}

/**
 * The widget's code that is not in its first load: the split chunks it
 * fetches once the form is on screen, as `[{ path, body }]`.
 */
export function widgetDeferred(dist) {
  const first = new Set(widgetFirstLoad(dist).map(({ path }) => path));
  return [...dist.files.keys()]
    .filter((path) => path.startsWith('/widget/') && /\.(wasm|js)$/.test(path) && !first.has(path))
    .map((path) => ({ path, body: dist.files.get(path) }));
}

/**
 * The files an HTML file of dist/ refers to (scripts, styles, WebAssembly);
 * throws when it refers to none or to one that is not there.
 */
function referencedBy(files, htmlPath) {
  const html = files.get(htmlPath).toString('utf8');
  // Quoted, or unquoted as the widget's minified page writes them.
  const referenced = [...html.matchAll(/(?:href|src|module_or_path:)\s*=?\s*(?:['"](\/[^'"]+)['"]|(\/[^\s'">]+))/g)].map((match) => match[1] ?? match[2]);
  const missing = referenced.filter((path) => !files.has(path));
  if (referenced.length === 0 || missing.length > 0) {
    throw new Error(`dist/ is incomplete (a build may be under way): ${htmlPath.slice(1)} refers to ${missing.join(', ') || 'nothing'}`);
  }
  return referenced;
}

/**
 * Starts the server on a free loopback port. `forms` maps a file name under
 * /bench-forms/ to its JSON text. Resolves to `{ server, baseUrl,
 * takeResponses }`; `takeResponses()` returns what was sent since its last
 * call, as `{ path, contentType, body }`, which is how the runner counts the
 * bytes each page load cost without slowing the browser down.
 */
export async function startServer({ dist, forms }) {
  let sent = [];
  let compress = false;
  const encoded = new Map();
  const send = (response, status, contentType, body) => {
    sent.push({ path: new URL(response.req.url, 'http://x').pathname, status, contentType, body });
    const compressible = /^(text\/|application\/(json|wasm)|image\/svg)/.test(contentType);
    if (compress && compressible && /\bgzip\b/.test(response.req.headers['accept-encoding'] ?? '')) {
      const key = `${response.req.url}:${Buffer.byteLength(body)}`;
      if (!encoded.has(key)) encoded.set(key, gzipSync(body));
      response.writeHead(status, { 'content-type': contentType, 'content-encoding': 'gzip', vary: 'accept-encoding' });
      response.end(encoded.get(key));
      return;
    }
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  };
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    if (path === '/unite_us/v3/widgets/assistance_requests/form_config') {
      const config = forms.get('unite-us-form-config.json');
      return config === undefined ? send(response, 404, 'text/plain', 'no form configuration') : send(response, 200, 'application/json', config);
    }
    if (path.startsWith('/bench-forms/')) {
      const form = forms.get(path.slice('/bench-forms/'.length));
      return form === undefined ? send(response, 404, 'text/plain', 'no such form') : send(response, 200, 'application/json', form);
    }
    if (path.startsWith('/bench/pages/') || path.startsWith('/bench/node_modules/')) {
      try {
        const body = await readFile(join(repoDir, path));
        return send(response, 200, contentTypes[extname(path)] ?? 'application/octet-stream', body);
      } catch {
        return send(response, 404, 'text/plain', 'not found');
      }
    }
    const index = `${path.replace(/\/$/, '')}/index.html`;
    const file = dist.files.has(path) ? path : dist.files.has(index) ? index : '/index.html';
    return send(response, 200, contentTypes[extname(file)] ?? 'application/octet-stream', dist.files.get(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const takeResponses = () => {
    const taken = sent;
    sent = [];
    return taken;
  };
  const setCompression = (on) => { compress = on; };
  return { server, baseUrl: `http://127.0.0.1:${server.address().port}`, takeResponses, setCompression };
}
