/*
 * shop-server.mjs - the demo shop's own web server: serves a directory
 * (content/) on a loopback port, as the shop's site would, so that its
 * pages and content/storefront.html with the search widget live on an
 * origin other than searchd's.  For `make shop` and the browser tests.
 *
 *   node tests/browser/shop-server.mjs [DIR] [PORT]     (content, 8000)
 *
 * GET and HEAD only; paths are resolved under DIR and anything that
 * leads outside it is refused.  The tests start it with a rewrite: the
 * storefront's script tag names searchd at 127.0.0.1:8080 (make run's
 * address), the tests' searchd listens on a free port instead.
 */
import {createServer} from 'node:http';
import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.txt': 'text/plain; charset=utf-8',
	'.ndjson': 'application/x-ndjson; charset=utf-8',
};

/*
 * Serve root on 127.0.0.1:port (0: a free one).  rewrite: [from, to] is
 * replaced in every HTML page served (from may be a function of nothing
 * returning the pair, for a value known only later).  Resolves to
 * {server, origin, close()}.
 */
export function startShop({root, port = 0, rewrite = null}) {
	const base = path.resolve(root);
	const server = createServer(async (req, res) => {
		const fail = (status, text) => {
			res.writeHead(status, {'Content-Type': 'text/plain; charset=utf-8'});
			res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
		};
		if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
		let rel;
		try {
			rel = decodeURIComponent(new URL(req.url, 'http://shop.invalid').pathname);
		} catch (e) {
			return fail(400, 'bad path');
		}
		let file = path.resolve(base, `.${rel}`);
		if (file !== base && !file.startsWith(base + path.sep)) return fail(403, 'outside the shop');
		try {
			if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
			let body = await readFile(file);
			const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
			const pair = typeof rewrite === 'function' ? rewrite() : rewrite;
			if (pair && type.startsWith('text/html')) {
				body = Buffer.from(body.toString('utf8').split(pair[0]).join(pair[1]));
			}
			res.writeHead(200, {'Content-Type': type, 'Cache-Control': 'no-cache'});
			res.end(req.method === 'HEAD' ? undefined : body);
		} catch (e) {
			fail(404, 'not found');
		}
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => {
			const origin = `http://127.0.0.1:${server.address().port}`;
			resolve({server, origin, close: () => new Promise((done) => server.close(done))});
		});
	});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const root = process.argv[2] || 'content';
	const port = Number(process.argv[3] || 8000);
	startShop({root, port}).then(({origin}) => {
		console.log(`shop: serving ${root} on ${origin}/ (the widget demo: ${origin}/storefront.html)`);
	}, (e) => {
		console.error(`shop: cannot listen on 127.0.0.1:${port}: ${e.message}`);
		process.exit(1);
	});
}
