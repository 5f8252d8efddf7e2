/*
 * run.mjs - the help centre and the storefront widget in a real browser:
 * Debian's Chromium, headless, driven by playwright-core, against the real
 * searchd on a free loopback port.
 *
 * Set-up, once: the indexer indexes content/ (with its synonyms) into a
 * temporary directory; web/ is copied next to it with config.json's
 * "site" pointed at the shop; the shop (content/, with storefront.html)
 * is served by shop-server.mjs on a second loopback port, which is a
 * second origin; searchd serves the index and the copied web root, with
 * the shop's origin in --origins.  Then each test opens its own browser
 * context (Dutch locale, nothing stored) and does what a customer does.
 *
 * Screenshots of the page and the widget at desktop (1280x800) and phone
 * (390x844) width go to $VB_BUILD/screenshots/.  The last line is in the
 * form tests/run.sh sums up ("N%: Checks: N, Failures: N, Errors: N").
 *
 *   VB_BUILD=build node tests/browser/run.mjs [NAME-SUBSTRING]
 * CHROMIUM=/path/to/chromium overrides /usr/bin/chromium.
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {startShop} from './shop-server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = path.resolve(repo, process.env.VB_BUILD || 'build');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = path.join(build, 'screenshots');
const only = process.argv[2] || '';
const DESKTOP = {width: 1280, height: 800};
const PHONE = {width: 390, height: 844};
const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/;

/* ------------------------------------------------------------ helpers */

/* Poll fn until it returns something truthy, at most ms; the value. */
async function until(fn, what, ms = 10000) {
	const end = Date.now() + ms;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last) return last;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
		await new Promise((r) => setTimeout(r, 40));
	}
}

const text = (page, sel) => page.locator(sel).textContent();
const pathOf = (url) => new URL(url).pathname;

/* ------------------------------------------------------------ fixture */

const env = {};

async function startSearchd(args) {
	const child = spawn(path.join(build, 'searchd'), args, {stdio: ['ignore', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	const lines = readline.createInterface({input: child.stdout});
	const port = await new Promise((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`searchd exited (${code}): ${stderr}`)));
		lines.once('line', (line) => {
			const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
			if (m) resolve(Number(m[1]));
			else reject(new Error(`searchd said: ${line}`));
		});
	});
	lines.on('line', () => {});
	return {child, port, stderr: () => stderr};
}

async function setUp() {
	for (const prog of ['indexer', 'searchd']) {
		if (!existsSync(path.join(build, prog))) throw new Error(`${build}/${prog} is not built`);
	}
	if (!existsSync(chromiumPath)) {
		throw new Error(`no Chromium at ${chromiumPath} (Debian package chromium; scripts/deps.sh installs it)`);
	}
	env.tmp = await mkdtemp(path.join(os.tmpdir(), 'vb-browser-'));
	const db = path.join(env.tmp, 'db');
	const ix = spawnSync(path.join(build, 'indexer'),
		['--quiet', '--db', db, '--synonyms', 'content/synonyms.txt', 'content'],
		{cwd: repo, encoding: 'utf8'});
	if (ix.status !== 0) throw new Error(`indexing content/ failed (${ix.status}): ${ix.stdout}${ix.stderr}`);

	/* The shop first: searchd needs its origin, the shop's storefront page
	 * needs searchd's address (known once it listens). */
	env.shop = await startShop({
		root: path.join(repo, 'content'),
		rewrite: () => ['http://127.0.0.1:8080/', `${env.sd}/`],
	});
	env.web = path.join(env.tmp, 'web');
	await cp(path.join(repo, 'web'), env.web, {recursive: true});
	const config = JSON.parse(await readFile(path.join(env.web, 'config.json'), 'utf8'));
	env.config = config;
	config.site = `${env.shop.origin}/`;
	await writeFile(path.join(env.web, 'config.json'), JSON.stringify(config, null, 2));
	env.accessLog = path.join(env.tmp, 'access.log');
	env.searchd = await startSearchd(['--db', db, '--listen', '127.0.0.1:0', '--web-root', env.web,
		'--origins', env.shop.origin, '--access-log', env.accessLog, '--log-level', 'warn', '--threads', '4']);
	env.sd = `http://127.0.0.1:${env.searchd.port}`;

	env.browser = await chromium.launch({executablePath: chromiumPath, headless: true,
		args: ['--no-sandbox', '--disable-dev-shm-usage']});
	await mkdir(shots, {recursive: true});
	for (const f of await readdir(shots)) {
		if (/^failed-\d+\.png$/.test(f)) await rm(path.join(shots, f));
	}
}

async function tearDown() {
	if (env.browser) await env.browser.close().catch(() => {});
	if (env.searchd) {
		env.searchd.child.kill('SIGTERM');
		await new Promise((r) => (env.searchd.child.exitCode !== null ? r() : env.searchd.child.once('exit', r)));
	}
	if (env.shop) await env.shop.close();
	if (env.tmp) await rm(env.tmp, {recursive: true, force: true});
}

/* A fresh context: Dutch browser, given viewport, nothing stored. */
async function open(url, viewport = DESKTOP, extra = {}) {
	const ctx = await env.browser.newContext({viewport, locale: 'nl-NL', ...extra});
	ctx.setDefaultTimeout(15000);
	const page = await ctx.newPage();
	page.problems = [];
	page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (/Content Security Policy|Refused to/i.test(m.text())) page.problems.push(`console: ${m.text()}`);
	});
	page.requests = [];
	page.on('request', (r) => page.requests.push(r));
	if (url) await page.goto(url);
	env.contexts.push(ctx);
	return page;
}

/* The main searches the page made (not the one-hit facet counts). */
function searchesOf(page) {
	return page.requests.map((r) => new URL(r.url()))
		.filter((u) => u.pathname === '/search' && u.searchParams.get('limit') === '10');
}

/* searchd's access log so far: one object per request. */
async function accessLog() {
	const textIn = await readFile(env.accessLog, 'utf8').catch(() => '');
	return textIn.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/* Wait until searchd logged a request to path (after the first skip
 * lines) with the given method and a status that passes ok. */
async function logged(skip, method, pathname, ok, what) {
	return until(async () => (await accessLog()).slice(skip)
		.find((l) => l.method === method && l.path === pathname && ok(l.status)), what);
}

async function status(page) {
	return (await text(page, '#status')) || '';
}

async function hitCount(page) {
	return page.locator('#results > li').count();
}

/* ------------------------------------------------------------- tests */

const tests = [];
const test = (name, fn) => tests.push({name, fn});

test('results appear while typing, one request per pause; arrow down and Enter open a result on the shop', async () => {
	/* The page's clock is ours: the pause in typing is exact, whatever
	 * the machine is doing. */
	const page = await open(null);
	const t0 = Date.now();
	await page.clock.install({time: t0});
	await page.goto(`${env.sd}/`);
	await page.locator('#topics li').first().waitFor();
	await page.clock.pauseAt(t0 + 60000);
	const q = 'zandfilterpomp sf60';
	await page.locator('#q').pressSequentially('zandf');
	await page.clock.runFor(150);
	assert.equal(searchesOf(page).length, 0, 'searched before the pause');
	await page.locator('#q').pressSequentially(q.slice(5));
	await page.clock.runFor(250);
	await until(async () => (await status(page)).includes(`‘${q}’`), 'the status for the whole query');
	const searches = searchesOf(page);
	assert.equal(searches.length, 1, `${searches.length} searches for one pause`);
	assert.equal(searches[0].searchParams.get('q'), q);
	assert.equal(searches[0].searchParams.get('lang'), 'nl');
	await page.clock.resume();
	assert.match(await status(page), /^\d+ resultaten voor ‘zandfilterpomp sf60’/);

	const first = page.locator('#results > li').first();
	assert.equal(await first.locator('.badge').textContent(), 'Product');
	assert.equal(await first.locator('.hit-title').textContent(), 'AquaPro zandfilterpomp SF60 6 m³/u');
	assert.match(await first.locator('.price').textContent(), /^€\s229,00$/);
	assert.equal(await first.locator('.stock').textContent(), 'Op voorraad');
	assert.ok((await first.locator('.snippet mark').count()) > 0, 'no highlighted words in the snippet');
	/* The URL keeps the search, for the back button and for sharing. */
	assert.equal(new URL(page.url()).searchParams.get('q'), q);

	await page.keyboard.press('ArrowDown');
	assert.equal(await page.evaluate(() => document.activeElement.textContent), 'AquaPro zandfilterpomp SF60 6 m³/u');
	const target = `${env.shop.origin}/products/filters-en-pompen/aquapro-zandfilterpomp-sf60.html`;
	const click = page.waitForRequest((r) => r.method() === 'POST' && pathOf(r.url()) === '/click');
	await Promise.all([page.waitForURL(target), page.keyboard.press('Enter')]);
	assert.match(await page.title(), /AquaPro zandfilterpomp SF60/);
	const sent = (await click).postDataJSON();
	assert.equal(sent.q, q);
	assert.equal(sent.id, 'products/filters-en-pompen/aquapro-zandfilterpomp-sf60.html');
	assert.equal(sent.rank, 1);
	assert.match(sent.session, SESSION_RE);
	/* keepalive: it reaches searchd although the page was left. */
	await logged(0, 'POST', '/click', (st) => st >= 200 && st < 300, 'the click at searchd');
});

test('a late answer to an earlier query never replaces the newer results', async () => {
	const page = await open(`${env.sd}/`);
	let seen;
	const held = new Promise((r) => { seen = r; });
	let release;
	const gate = new Promise((r) => { release = r; });
	let handled;
	const done = new Promise((r) => { handled = r; });
	await page.route((u) => u.pathname === '/search' && u.searchParams.get('q') === 'zwembad', async (route) => {
		seen();
		await gate;
		await route.continue().catch(() => {});
		handled();
	});
	await page.locator('#q').fill('zwembad');
	await held;
	await page.locator('#q').fill('retourneren');
	await until(async () => (await status(page)).includes('‘retourneren’'), 'results for retourneren');
	const before = await page.locator('#results .hit-title').allTextContents();
	release();
	await done;
	/* Let anything the late answer could trigger run. */
	await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
	assert.ok((await status(page)).includes('‘retourneren’'), await status(page));
	assert.deepEqual(await page.locator('#results .hit-title').allTextContents(), before);
	assert.equal(await page.locator('#q').inputValue(), 'retourneren');
});

test('a typo shows "did you mean", and choosing it searches the correction', async () => {
	const page = await open(`${env.sd}/?q=zandfilterpmp`);
	const dym = page.locator('#did-you-mean');
	await dym.waitFor();
	assert.match(await dym.textContent(), /^Bedoelde je zandfilterpomp\?/);
	await dym.getByRole('button', {name: 'zandfilterpomp'}).click();
	await until(async () => (await status(page)).includes('‘zandfilterpomp’'), 'results for the correction');
	assert.equal(await page.locator('#q').inputValue(), 'zandfilterpomp');
	assert.ok(await dym.isHidden(), 'did you mean still shown after the correction was chosen');
	assert.equal(new URL(page.url()).searchParams.get('q'), 'zandfilterpomp');
	assert.equal(searchesOf(page).at(-1).searchParams.get('q'), 'zandfilterpomp');
});

test('type and category filters narrow the results, with counts that add up', async () => {
	const page = await open(`${env.sd}/?q=zandfilterpomp`);
	await page.locator('#results > li').first().waitFor();
	const total = Number((await status(page)).match(/^(\d+)/)[1]);
	const chip = page.locator('#type-list button[data-type="product"]');
	const products = Number(await chip.locator('.count').textContent());
	assert.ok(products > 0 && products < total, `${products} products of ${total}`);

	await chip.click();
	await until(async () => (await status(page)).startsWith(`${products} `), `${products} results`);
	assert.equal(await chip.getAttribute('aria-pressed'), 'true');
	const badges = await page.locator('#results .badge').allTextContents();
	assert.ok(badges.length > 0 && badges.every((b) => b === 'Product'), badges.join(', '));
	/* The other types keep their counts (a shopper can add them). */
	assert.ok(await page.locator('#type-list button[data-type="manual"]').isVisible());
	assert.deepEqual(new URL(page.url()).searchParams.getAll('type'), ['product']);
	assert.deepEqual(searchesOf(page).at(-1).searchParams.getAll('type'), ['product']);

	const label = page.locator('#category-list label', {has: page.locator('.cat-name', {hasText: /^Filters & pompen$/})});
	const inCat = Number(await label.locator('.count').textContent());
	assert.ok(inCat > 0 && inCat <= products, `${inCat} in the category`);
	await label.click();
	await until(async () => (await status(page)).startsWith(`${inCat} `), `${inCat} results in the category`);
	const crumbs = await page.locator('#results .hit-crumbs').allTextContents();
	assert.ok(crumbs.length > 0 && crumbs.every((c) => c.startsWith('Filters & pompen')), crumbs.join(' | '));
	const last = searchesOf(page).at(-1).searchParams;
	assert.deepEqual(last.getAll('category'), ['Filters & pompen']);

	await page.locator('#clear-filters').click();
	await until(async () => (await status(page)).startsWith(`${total} `), `all ${total} results again`);
	assert.equal(await chip.getAttribute('aria-pressed'), 'false');
});

test('FAQ answers open in place; "Was dit nuttig?" sends feedback with the tab\'s session id, no cookies', async () => {
	const page = await open(`${env.sd}/?q=retourneren&type=faq`);
	const first = page.locator('#results > li').first();
	await first.waitFor();
	const id = await first.getAttribute('data-id');
	assert.match(id, /^faq\/retourneren\.html#/);
	const toggle = first.locator('.hit-toggle');
	assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
	assert.ok(await first.locator('.hit-panel').isHidden());

	const click = page.waitForRequest((r) => r.method() === 'POST' && pathOf(r.url()) === '/click');
	await toggle.click();
	assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
	const panel = first.locator('.hit-panel');
	assert.ok(await panel.isVisible());
	/* The whole answer replaces the snippet, read from GET /documents/{id}. */
	const doc = await (await fetch(`${env.sd}/documents/${encodeURIComponent(id)}`)).json();
	assert.ok(doc.text && doc.text.length > 0, 'GET /documents/{id} has no text');
	await panel.locator('.answer-text').waitFor();
	const shown = (await panel.locator('.answer-text').textContent()).replace(/\s+/g, ' ');
	assert.ok(shown.includes(doc.text.replace(/\s+/g, ' ').slice(0, 60)),
		`the panel does not show the whole answer: ${shown}`);
	assert.equal(await panel.locator('.readmore').getAttribute('href'), `${env.shop.origin}/${id}`);
	assert.equal(await panel.locator('.fb-q').textContent(), 'Was dit nuttig?');
	const clicked = (await click).postDataJSON();
	assert.deepEqual(Object.keys(clicked).sort(), ['id', 'q', 'rank', 'session']);
	assert.equal(clicked.id, id);
	assert.equal(clicked.q, 'retourneren');
	assert.equal(clicked.rank, 1);

	const fbRequest = page.waitForRequest((r) => r.method() === 'POST' && pathOf(r.url()) === '/feedback');
	const fbResponse = page.waitForResponse((r) => r.request().method() === 'POST' && pathOf(r.url()) === '/feedback');
	await panel.getByRole('button', {name: 'Ja'}).click();
	const fb = await fbRequest;
	assert.equal(fb.headers()['content-type'], 'application/json');
	const sent = fb.postDataJSON();
	assert.deepEqual(sent, {id, helpful: true, session: clicked.session});
	assert.match(sent.session, SESSION_RE);
	assert.match(await first.locator('.fb-thanks').textContent(), /Bedankt/);
	const reply = await fbResponse;
	assert.ok(reply.status() >= 200 && reply.status() < 300, `POST /feedback answered ${reply.status()}`);

	/* "Nee" on the next answer: helpful false, and the contact options. */
	const second = page.locator('#results > li').nth(1);
	await second.locator('.hit-toggle').click();
	const no = page.waitForRequest((r) => r.method() === 'POST' && pathOf(r.url()) === '/feedback');
	await second.getByRole('button', {name: 'Nee'}).click();
	const sentNo = (await no).postDataJSON();
	assert.equal(sentNo.helpful, false);
	assert.equal(sentNo.id, await second.getAttribute('data-id'));
	assert.ok(await second.locator('.fb-contact').isVisible());

	/* One id for the tab: in sessionStorage, on the searches, never a cookie. */
	const stored = await page.evaluate(() => sessionStorage.getItem('vraagbaak-session'));
	assert.equal(stored, sent.session);
	assert.equal(searchesOf(page)[0].searchParams.get('session'), stored);
	assert.deepEqual(await page.context().cookies(), []);
	/* Another tab is another session. */
	const other = await open(`${env.sd}/?q=garantie`);
	await other.locator('#results > li').first().waitFor();
	const otherId = await other.evaluate(() => sessionStorage.getItem('vraagbaak-session'));
	assert.match(otherId, SESSION_RE);
	assert.notEqual(otherId, stored);
});

test('nothing found: a friendly empty state with the shop\'s contact options', async () => {
	const page = await open(`${env.sd}/`);
	await page.locator('#q').fill('xqzvbnmkk');
	await page.locator('#empty').waitFor();
	assert.equal(await status(page), 'Geen resultaten voor ‘xqzvbnmkk’');
	assert.equal(await text(page, '#empty-heading'), 'We konden niets vinden voor ‘xqzvbnmkk’');
	assert.equal(await hitCount(page), 0);
	const contact = page.locator('#contact');
	assert.ok(await contact.isVisible());
	const c = env.config.contact;
	assert.equal(await contact.locator('.contact-phone').getAttribute('href'), `tel:${c.phone_link}`);
	assert.match(await contact.locator('.contact-phone').textContent(), new RegExp(c.phone));
	assert.equal(await contact.locator('.contact-mail').getAttribute('href'), `mailto:${c.email}`);
	assert.equal(await contact.locator('.contact-whatsapp').getAttribute('href'), `https://wa.me/${c.whatsapp_link}`);
	assert.equal(await contact.locator('.contact-page').getAttribute('href'), `${env.shop.origin}/contact.html`);
	assert.match(await contact.textContent(), /Werkdagen 8:30–17:30/);
});

test('more results come below the first ten', async () => {
	const page = await open(`${env.sd}/?q=zwembad`);
	await page.locator('#results > li').first().waitFor();
	assert.equal(await hitCount(page), 10);
	const firstTen = await page.locator('#results .hit-title').allTextContents();
	await page.locator('#more').click();
	await until(async () => (await hitCount(page)) === 20, '20 results');
	const all = await page.locator('#results .hit-title').allTextContents();
	assert.deepEqual(all.slice(0, 10), firstTen);
	assert.equal(new Set(all).size > 10, true);
	assert.equal(searchesOf(page).at(-1).searchParams.get('offset'), '10');
	/* Focus goes to the first new result. */
	assert.equal(await page.evaluate(() => document.activeElement.closest('li') === document.querySelectorAll('#results > li')[10]), true);
});

test('labels switch to English, and so does the search', async () => {
	const page = await open(`${env.sd}/`);
	await page.getByRole('button', {name: 'EN', exact: true}).click();
	assert.equal(await text(page, '#heading'), 'How can we help you?');
	assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
	assert.equal(await page.locator('#q').getAttribute('placeholder'), 'Search or ask a question');
	await page.locator('#q').fill('return an order');
	await until(async () => (await status(page)).includes('for ‘return an order’'), 'English results');
	assert.equal(await page.locator('#results .hit-title').first().textContent(), 'How do I return an order?');
	assert.equal(await page.locator('#results .badge').first().textContent(), 'Question');
	assert.equal(searchesOf(page).at(-1).searchParams.get('lang'), 'en');
	/* Remembered in this browser (no cookie). */
	await page.reload();
	assert.equal(await text(page, '#heading'), 'How can we help you?');
	/* An English browser gets English labels; a Dutch one Dutch. */
	const en = await open(`${env.sd}/`, DESKTOP, {locale: 'en-GB'});
	assert.equal(await text(en, '#heading'), 'How can we help you?');
	const nl = await open(`${env.sd}/`);
	assert.equal(await text(nl, '#heading'), 'Waarmee kunnen we je helpen?');
});

test('the widget on the shop\'s own page (another origin): dropdown, arrows, Escape, Enter to the full results', async () => {
	const page = await open(`${env.shop.origin}/storefront.html`);
	const input = page.locator('#shop-search');
	assert.equal(await input.getAttribute('role'), 'combobox');
	assert.equal(await input.getAttribute('aria-expanded'), 'false');
	const suggest = page.waitForResponse((r) => pathOf(r.url()) === '/suggest');
	await input.click();
	await input.pressSequentially('zandf', {delay: 30});
	const reply = await suggest;
	assert.equal(reply.status(), 200);
	/* Across origins: searchd allowed this shop. */
	assert.equal(reply.headers()['access-control-allow-origin'], env.shop.origin);
	await until(async () => (await input.getAttribute('aria-expanded')) === 'true', 'the dropdown');
	const listbox = page.locator(`#${await input.getAttribute('aria-controls')}`);
	assert.equal(await listbox.getAttribute('role'), 'listbox');
	assert.ok(await listbox.isVisible());
	const options = listbox.locator('[role="option"]');
	const labels = await options.allTextContents();
	assert.ok(labels.includes('zandfilterpomp'), labels.join(' | '));
	assert.ok(labels.some((l) => /AquaPro zandfilterpomp SF60/.test(l)), labels.join(' | '));
	assert.match(labels.at(-1), /^Alle resultaten voor ‘zandf’/);

	await page.keyboard.press('ArrowDown');
	const firstId = await options.first().getAttribute('id');
	assert.equal(await input.getAttribute('aria-activedescendant'), firstId);
	assert.equal(await options.first().getAttribute('aria-selected'), 'true');
	await page.keyboard.press('ArrowDown');
	assert.equal(await input.getAttribute('aria-activedescendant'), await options.nth(1).getAttribute('id'));
	await page.keyboard.press('ArrowUp');
	assert.equal(await input.getAttribute('aria-activedescendant'), firstId);

	await page.keyboard.press('Escape');
	assert.equal(await input.getAttribute('aria-expanded'), 'false');
	assert.ok(await listbox.isHidden());
	assert.equal(await input.inputValue(), 'zandf');
	assert.equal(await input.getAttribute('aria-activedescendant'), null);

	/* Open again and take the first completion: the full results. */
	await page.keyboard.press('ArrowDown');
	assert.equal(await input.getAttribute('aria-expanded'), 'true');
	assert.equal(await options.first().textContent(), 'zandfilterpomp');
	await Promise.all([page.waitForURL(`${env.sd}/?q=zandfilterpomp`), page.keyboard.press('Enter')]);
	await until(async () => (await status(page)).includes('‘zandfilterpomp’'), 'the help centre\'s results');
	assert.ok((await hitCount(page)) > 0);
});

test('the widget: pick a product with the arrow keys, Enter lands on its page; Enter alone searches', async () => {
	const page = await open(`${env.shop.origin}/storefront.html`);
	const input = page.locator('#shop-search');
	await input.click();
	await input.pressSequentially('aquapro zandfilterpomp sf6', {delay: 20});
	const listbox = page.locator('[role="listbox"]');
	const product = listbox.locator('[role="option"].vb-hit', {hasText: 'AquaPro zandfilterpomp SF60'});
	await product.waitFor();
	assert.match(await product.textContent(), /€\s229,00/);
	const want = await product.getAttribute('id');
	for (let i = 0; i < 10 && (await input.getAttribute('aria-activedescendant')) !== want; i++) {
		await page.keyboard.press('ArrowDown');
	}
	assert.equal(await input.getAttribute('aria-activedescendant'), want);
	const click = page.waitForRequest((r) => r.method() === 'POST' && pathOf(r.url()) === '/click');
	const target = `${env.shop.origin}/products/filters-en-pompen/aquapro-zandfilterpomp-sf60.html`;
	const skip = (await accessLog()).length;
	await Promise.all([page.waitForURL(target), page.keyboard.press('Enter')]);
	assert.match(await page.title(), /AquaPro zandfilterpomp SF60/);
	const sent = (await click).postDataJSON();
	assert.equal(sent.id, 'products/filters-en-pompen/aquapro-zandfilterpomp-sf60.html');
	assert.equal(sent.q, 'aquapro zandfilterpomp sf6');
	assert.match(sent.session, SESSION_RE);
	/* From another origin, so the browser asks first (a JSON POST). */
	await logged(skip, 'OPTIONS', '/click', () => true, 'the click\'s CORS preflight at searchd');
	await logged(skip, 'POST', '/click', (st) => st >= 200 && st < 300, 'the click at searchd');

	await page.goto(`${env.shop.origin}/storefront.html`);
	await page.locator('#shop-search').fill('garantie');
	await Promise.all([page.waitForURL(`${env.sd}/?q=garantie`), page.keyboard.press('Enter')]);
	await until(async () => (await status(page)).includes('‘garantie’'), 'results for garantie');
});

test('screenshots at desktop and phone width, and nothing wider than the phone', async () => {
	const files = [];
	for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
		const start = await open(`${env.sd}/`, viewport);
		await start.locator('#topics li').first().waitFor();
		files.push(path.join(shots, `help-centre-start-${name}.png`));
		await start.screenshot({path: files.at(-1)});

		const page = await open(`${env.sd}/?q=retourneren`, viewport);
		await page.locator('#results > li').first().waitFor();
		await page.locator('#results .hit-faq .hit-toggle').first().click();
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= viewport.width,
			`the ${name} page is wider than its screen`);
		files.push(path.join(shots, `help-centre-results-${name}.png`));
		await page.screenshot({path: files.at(-1), fullPage: true});

		const empty = await open(`${env.sd}/?q=xqzvbnmkk`, viewport);
		await empty.locator('#empty').waitFor();
		files.push(path.join(shots, `help-centre-empty-${name}.png`));
		await empty.screenshot({path: files.at(-1)});

		const shop = await open(`${env.shop.origin}/storefront.html`, viewport);
		await shop.locator('#shop-search').click();
		await shop.locator('#shop-search').pressSequentially('zwembad', {delay: 20});
		await until(async () => (await shop.locator('#shop-search').getAttribute('aria-expanded')) === 'true', 'the dropdown');
		await shop.keyboard.press('ArrowDown');
		await shop.keyboard.press('ArrowDown');
		assert.ok(await shop.evaluate(() => document.documentElement.scrollWidth) <= viewport.width,
			`the ${name} storefront is wider than its screen`);
		files.push(path.join(shots, `storefront-widget-${name}.png`));
		await shop.screenshot({path: files.at(-1)});
	}
	for (const f of files) assert.ok((await stat(f)).size > 10000, `${f} is nearly empty`);
	console.log(`browser: screenshots in ${path.relative(repo, shots)}/`);
});

/* ------------------------------------------------------------- runner */

async function main() {
	const watchdog = setTimeout(() => {
		console.log('browser: FAILED: still running after 170 s');
		console.log(`0%: Checks: ${tests.length}, Failures: ${tests.length}, Errors: 0`);
		if (env.searchd) env.searchd.child.kill('SIGKILL');
		process.exit(1);
	}, 170000);
	let failed = 0;
	let ran = 0;
	try {
		await setUp();
	} catch (e) {
		console.log(`browser: set-up failed: ${e.message}`);
		await tearDown();
		console.log(`0%: Checks: ${tests.length}, Failures: 0, Errors: ${tests.length}`);
		process.exit(1);
	}
	console.log(`browser: searchd ${env.sd}, shop ${env.shop.origin}`);
	for (const t of tests) {
		if (only && !t.name.includes(only)) continue;
		ran++;
		env.contexts = [];
		try {
			await t.fn();
			for (const ctx of env.contexts) {
				for (const page of ctx.pages()) {
					assert.deepEqual(page.problems || [], [], `problems on ${page.url()}`);
				}
			}
			console.log(`browser: ok: ${t.name}`);
		} catch (e) {
			failed++;
			console.log(`browser: FAILED: ${t.name}\n  ${String(e.stack || e).split('\n').slice(0, 6).join('\n  ')}`);
			const page = env.contexts.at(-1)?.pages().at(-1);
			if (page) {
				const file = path.join(shots, `failed-${ran}.png`);
				await page.screenshot({path: file, fullPage: true}).catch(() => {});
				console.log(`  (screenshot: ${path.relative(repo, file)})`);
			}
		} finally {
			for (const ctx of env.contexts) await ctx.close().catch(() => {});
		}
	}
	const stderr = env.searchd.stderr().trim();
	await tearDown();
	clearTimeout(watchdog);
	if (stderr) console.log(`browser: searchd said:\n${stderr}`);
	const pct = ran ? Math.floor((100 * (ran - failed)) / ran) : 0;
	console.log(`${pct}%: Checks: ${ran}, Failures: ${failed}, Errors: 0`);
	process.exit(failed || !ran ? 1 : 0);
}

main();
