/*
 * app.js - the help centre page (index.html): search as you type against
 * searchd's /search, results by type with highlighted snippets, FAQ
 * answers and manual sections read in place, filters by type and
 * category, "did you mean", more results, a friendly empty state with the
 * shop's contact options, Dutch and English labels.
 *
 * Talking to searchd: one request per pause in typing (DEBOUNCE_MS), the
 * previous one aborted, and a reply that is not the newest ignored, so a
 * slow answer never overwrites a newer one.  Filters are counted the way
 * shoppers expect of checkboxes: the counts of a facet come from the same
 * search without that facet's own filter (a second, one-hit request only
 * while that filter is on).
 *
 * What the page sends besides the query (see README, "The help centre"):
 * an anonymous session id, random, kept in sessionStorage for this tab
 * only (no cookie), with searches, clicks on results and "Was dit
 * nuttig?" answers.  Nothing about the person.
 *
 * The shop's own settings (name, where its pages live, contact options,
 * popular searches, a search key if searchd wants one) are in
 * static/config.json, not here.
 */
'use strict';

(() => {
	const DEBOUNCE_MS = 200;
	const PAGE_SIZE = 10;
	/* Filter values asked for: every category, for "show all" (searchd lists
	 * 10 a facet by default). */
	const FACET_LIMIT = 100;
	const CATEGORIES_SHOWN = 6;
	const SESSION_KEY = 'vraagbaak-session';
	const LANG_KEY = 'vraagbaak-lang';
	const TYPES = ['faq', 'manual', 'product', 'page'];

	const TEXT = {
		nl: {
			title: 'Klantenservice',
			skip: 'Naar de resultaten',
			language: 'Taal',
			heading: 'Waarmee kunnen we je helpen?',
			label: 'Zoek in de klantenservice',
			placeholder: 'Zoek of stel je vraag',
			search: 'Zoeken',
			hint: 'Resultaten verschijnen terwijl je typt. Pijl omlaag gaat naar de resultaten.',
			popular: 'Veelgezocht:',
			filters: 'Filters',
			kind: 'Soort',
			category: 'Categorie',
			clear: 'Filters wissen',
			more: 'Meer resultaten',
			more_count: (n) => `Meer resultaten (${n})`,
			show_all_categories: (n) => `Alle ${n} categorieën`,
			show_fewer_categories: 'Minder categorieën',
			types: {faq: 'Vraag', manual: 'Handleiding', product: 'Product', page: 'Pagina'},
			types_plural: {faq: 'Vragen', manual: 'Handleidingen', product: 'Producten', page: "Pagina's"},
			results: (n, q) => q ? `${n} ${n === 1 ? 'resultaat' : 'resultaten'} voor ‘${q}’`
				: `${n} ${n === 1 ? 'resultaat' : 'resultaten'}`,
			shown: (shown, total) => `${shown} van ${total} getoond`,
			searching: 'Zoeken…',
			did_you_mean: 'Bedoelde je',
			also_searched: (c) => `We hebben ook gezocht naar ‘${c}’.`,
			none: (q) => q ? `Geen resultaten voor ‘${q}’` : 'Geen resultaten',
			empty_heading: (q) => `We konden niets vinden voor ‘${q}’`,
			empty_heading_filters: 'Niets gevonden met deze filters',
			empty_tips: 'Controleer de spelling, gebruik minder of andere woorden, of stel je vraag zoals je hem aan ons zou stellen.',
			start_heading: 'Populaire onderwerpen',
			contact_heading: 'Niet gevonden wat je zocht?',
			contact_heading_empty: 'Vraag het ons gewoon',
			contact_intro: 'Onze klantenservice helpt je graag verder.',
			call: 'Bel ons',
			whatsapp: 'WhatsApp',
			mail: 'Mail ons',
			contact_page: 'Alle contactgegevens',
			read_more: 'Lees verder op de pagina',
			open_manual: 'Open de handleiding',
			open_section: 'Open de handleiding bij dit onderdeel',
			open_page: 'Bekijk de pagina',
			in_page: (t) => `Uit: ${t}`,
			helpful: 'Was dit nuttig?',
			yes: 'Ja',
			no: 'Nee',
			thanks_yes: 'Fijn dat we je konden helpen. Bedankt voor je reactie!',
			thanks_no: 'Bedankt voor je reactie. Kom je er niet uit? Neem gerust contact met ons op.',
			contact_link: 'Contact opnemen',
			availability: {
				in_stock: 'Op voorraad', out_of_stock: 'Uitverkocht', preorder: 'Pre-order',
				backorder: 'Nabestelbaar', limited: 'Beperkte voorraad',
			},
			error: 'De zoekfunctie is even niet bereikbaar. Probeer het zo nog eens, of neem contact met ons op.',
			privacy_note: 'Deze zoekfunctie gebruikt geen cookies. Om de resultaten te verbeteren onthoudt je browser alleen voor dit tabblad een willekeurig sessienummer.',
		},
		en: {
			title: 'Customer service',
			skip: 'Skip to results',
			language: 'Language',
			heading: 'How can we help you?',
			label: 'Search customer service',
			placeholder: 'Search or ask a question',
			search: 'Search',
			hint: 'Results appear as you type. Arrow down moves to the results.',
			popular: 'Popular:',
			filters: 'Filters',
			kind: 'Type',
			category: 'Category',
			clear: 'Clear filters',
			more: 'More results',
			more_count: (n) => `More results (${n})`,
			show_all_categories: (n) => `All ${n} categories`,
			show_fewer_categories: 'Fewer categories',
			types: {faq: 'Question', manual: 'Manual', product: 'Product', page: 'Page'},
			types_plural: {faq: 'Questions', manual: 'Manuals', product: 'Products', page: 'Pages'},
			results: (n, q) => q ? `${n} ${n === 1 ? 'result' : 'results'} for ‘${q}’`
				: `${n} ${n === 1 ? 'result' : 'results'}`,
			shown: (shown, total) => `${shown} of ${total} shown`,
			searching: 'Searching…',
			did_you_mean: 'Did you mean',
			also_searched: (c) => `We also searched for ‘${c}’.`,
			none: (q) => q ? `No results for ‘${q}’` : 'No results',
			empty_heading: (q) => `We couldn’t find anything for ‘${q}’`,
			empty_heading_filters: 'Nothing found with these filters',
			empty_tips: 'Check the spelling, use fewer or different words, or ask your question the way you would ask us.',
			start_heading: 'Popular topics',
			contact_heading: 'Didn’t find what you were looking for?',
			contact_heading_empty: 'Just ask us',
			contact_intro: 'Our customer service team is happy to help.',
			call: 'Call us',
			whatsapp: 'WhatsApp',
			mail: 'Email us',
			contact_page: 'All contact details',
			read_more: 'Continue reading on the page',
			open_manual: 'Open the manual',
			open_section: 'Open the manual at this section',
			open_page: 'View the page',
			in_page: (t) => `From: ${t}`,
			helpful: 'Was this helpful?',
			yes: 'Yes',
			no: 'No',
			thanks_yes: 'Glad we could help. Thanks for your feedback!',
			thanks_no: 'Thanks for your feedback. Still stuck? Please get in touch.',
			contact_link: 'Contact us',
			availability: {
				in_stock: 'In stock', out_of_stock: 'Out of stock', preorder: 'Pre-order',
				backorder: 'Backorder', limited: 'Limited stock',
			},
			error: 'Search is unavailable right now. Please try again in a moment, or get in touch.',
			privacy_note: 'This search uses no cookies. To improve results, your browser keeps a random session number for this tab only.',
		},
	};

	const $ = (id) => document.getElementById(id);
	const el = (tag, attrs, ...children) => {
		const node = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === null || v === undefined || v === false) continue;
			if (k === 'class') node.className = v;
			else if (k === 'text') node.textContent = v;
			else node.setAttribute(k, v === true ? '' : String(v));
		}
		node.append(...children.filter((c) => c !== null && c !== undefined));
		return node;
	};

	const state = {
		config: {},
		site: new URL('/', location.href),
		lang: 'nl',
		types: [],
		categories: [],
		hits: [],
		query: '',          /* the query the shown hits answer */
		showAllCategories: false,
		categoryCounts: new Map(),
		seq: 0,
		controller: null,
		timer: 0,
		opened: new Set(),  /* ids of the hits opened, for one click each */
	};

	const input = $('q');
	const t = () => TEXT[state.lang];

	/* ---------------------------------------------------------------- session */

	let pageSession = null;
	/* The anonymous session id: random, per browser tab (sessionStorage),
	 * 22 characters of [A-Za-z0-9_-].  When storage is off, one per page. */
	function sessionId() {
		const make = () => {
			const bytes = crypto.getRandomValues(new Uint8Array(16));
			return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_')
				.replace(/=+$/, '');
		};
		try {
			let id = sessionStorage.getItem(SESSION_KEY);
			if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
				id = make();
				sessionStorage.setItem(SESSION_KEY, id);
			}
			return id;
		} catch (e) {
			pageSession = pageSession || make();
			return pageSession;
		}
	}

	/* ------------------------------------------------------------------- api */

	function headers(extra) {
		const h = Object.assign({Accept: 'application/json'}, extra || {});
		if (state.config.search_key) h.Authorization = `Bearer ${state.config.search_key}`;
		return h;
	}

	function apiUrl(path, params) {
		const url = new URL(path, document.baseURI);
		for (const [k, v] of Object.entries(params)) {
			for (const one of Array.isArray(v) ? v : [v]) {
				if (one !== undefined && one !== null) url.searchParams.append(k, one);
			}
		}
		return url;
	}

	async function getJson(url, signal) {
		const res = await fetch(url, {signal, headers: headers()});
		let body = null;
		try {
			body = await res.json();
		} catch (e) {
			body = null;
		}
		if (!res.ok) {
			const err = new Error((body && body.error && body.error.message) || `HTTP ${res.status}`);
			err.status = res.status;
			throw err;
		}
		return body;
	}

	/* GET /search.  withSession: this is the search the customer made (not
	 * a count for the filters), so it carries the session id. */
	async function search(params, signal, withSession) {
		return getJson(apiUrl('search', withSession ? {...params, session: sessionId()} : params),
			signal);
	}

	/* A POST that outlives the page (a click that navigates away). */
	function send(path, payload) {
		fetch(new URL(path, document.baseURI), {
			method: 'POST',
			keepalive: true,
			headers: headers({'Content-Type': 'application/json'}),
			body: JSON.stringify(payload),
		}).catch(() => { /* analytics never get in the customer's way */ });
	}

	/* A hit's click is told once per result list: the first time it is
	 * opened, on the shop's page or in place. */
	function sendClick(hit) {
		if (state.opened.has(hit.id)) return;
		state.opened.add(hit.id);
		send('click', {q: state.query, id: hit.id, rank: hit.rank, session: sessionId()});
	}

	function sendFeedback(hit, helpful) {
		send('feedback', {id: hit.id, helpful, session: sessionId()});
	}

	/* ------------------------------------------------------------- rendering */

	/* searchd's snippet is HTML-escaped text with <mark>s.  Parse it inertly
	 * and keep only text and marks, whatever else it might hold. */
	function snippetNodes(html) {
		const tpl = document.createElement('template');
		tpl.innerHTML = html || '';
		const out = document.createDocumentFragment();
		const walk = (from, into) => {
			for (const n of from.childNodes) {
				if (n.nodeType === Node.TEXT_NODE) {
					into.append(n.data);
				} else if (n.nodeType === Node.ELEMENT_NODE && n.localName === 'mark') {
					const m = document.createElement('mark');
					walk(n, m);
					into.append(m);
				} else if (n.nodeType === Node.ELEMENT_NODE) {
					walk(n, into);
				}
			}
		};
		walk(tpl.content, out);
		return out;
	}

	/* The shop's page for a hit, only ever http(s). */
	function hitHref(url) {
		try {
			const u = new URL(url, state.site);
			return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
		} catch (e) {
			return null;
		}
	}

	function formatPrice(price, currency) {
		try {
			return new Intl.NumberFormat(state.lang === 'en' ? 'en-IE' : 'nl-NL',
				{style: 'currency', currency: currency || 'EUR'}).format(price);
		} catch (e) {
			return `${price} ${currency || ''}`.trim();
		}
	}

	const categoryLeaf = (c) => c.split(' > ').pop();

	function crumbs(category) {
		if (!category) return null;
		return el('span', {class: 'hit-crumbs', text: category.split(' > ').join(' › ')});
	}

	function feedbackBlock(hit) {
		const id = `fb-${hit.rank}`;
		const box = el('div', {class: 'feedback', role: 'group', 'aria-labelledby': id});
		const yes = el('button', {type: 'button', class: 'fb-btn', 'data-helpful': 'yes', text: t().yes});
		const no = el('button', {type: 'button', class: 'fb-btn', 'data-helpful': 'no', text: t().no});
		box.append(el('span', {id, class: 'fb-q', text: t().helpful}), yes, no);
		const answer = (helpful) => {
			sendFeedback(hit, helpful);
			const thanks = el('p', {class: 'fb-thanks', role: 'status', text: helpful ? t().thanks_yes : t().thanks_no});
			if (!helpful) {
				thanks.append(' ', el('a', {href: '#contact', class: 'fb-contact', text: t().contact_link}));
			}
			box.replaceWith(thanks);
			if (!helpful) $('contact').hidden = false;
		};
		yes.addEventListener('click', () => answer(true));
		no.addEventListener('click', () => answer(false));
		return box;
	}

	/* FAQ answers and manual sections open in place: the question is a
	 * disclosure button, the panel holds what the hit carries of the
	 * answer, the link to the whole page, and "Was dit nuttig?". */
	function readInPlace(hit, li, href) {
		const panelId = `panel-${hit.rank}`;
		const toggle = el('button', {type: 'button', class: 'hit-title hit-primary hit-toggle',
			'aria-expanded': 'false', 'aria-controls': panelId});
		toggle.append(el('span', {text: hit.title || hit.url}),
			el('span', {class: 'chevron', 'aria-hidden': 'true'}));
		const panel = el('div', {class: 'hit-panel', id: panelId, hidden: true});
		const excerpt = el('p', {class: 'snippet'}, snippetNodes(hit.snippet));
		panel.append(excerpt);
		let loaded = false;
		/* The whole answer or section, fetched when first opened; the
		 * snippet stays when it cannot be had. */
		async function loadText() {
			if (loaded) return;
			loaded = true;
			try {
				const doc = await getJson(apiUrl(`documents/${encodeURIComponent(hit.id)}`, {}));
				const paras = String((doc && doc.text) || '').split(/\n\s*\n|\n/)
					.map((x) => x.trim()).filter(Boolean);
				if (!paras.length) return;
				const full = el('div', {class: 'answer-text'});
				for (const para of paras) full.append(el('p', {text: para}));
				excerpt.replaceWith(full);
			} catch (e) {
				/* keep the snippet */
			}
		}
		if (href) {
			const label = hit.type !== 'manual' ? t().read_more
				: hit.part === 'section' ? t().open_section : t().open_manual;
			const more = el('a', {class: 'readmore', href, text: label});
			more.addEventListener('click', () => sendClick(hit));
			panel.append(more);
		}
		panel.append(feedbackBlock(hit));
		toggle.addEventListener('click', () => {
			const open = toggle.getAttribute('aria-expanded') !== 'true';
			toggle.setAttribute('aria-expanded', String(open));
			panel.hidden = !open;
			li.classList.toggle('open', open);
			if (open) {
				sendClick(hit);
				loadText();
			}
		});
		const h = el('h3', {class: 'hit-heading'}, toggle);
		return [h, hit.part === 'section' && hit.page_title
			? el('p', {class: 'hit-context', text: t().in_page(hit.page_title)}) : null, panel];
	}

	function linkHit(hit, href) {
		const title = el(href ? 'a' : 'span', {class: 'hit-title hit-primary', href: href || null,
			text: hit.title || hit.url});
		if (href) title.addEventListener('click', () => sendClick(hit));
		const nodes = [el('h3', {class: 'hit-heading'}, title)];
		if (hit.type === 'product') {
			const meta = el('p', {class: 'product-meta'});
			if (typeof hit.price === 'number') {
				meta.append(el('span', {class: 'price', text: formatPrice(hit.price, hit.currency)}));
			}
			if (hit.availability) {
				meta.append(el('span', {class: `stock stock-${hit.availability}`,
					text: t().availability[hit.availability] || hit.availability}));
			}
			if (hit.brand) meta.append(el('span', {class: 'brand', text: hit.brand}));
			if (meta.childNodes.length) nodes.push(meta);
		}
		nodes.push(el('p', {class: 'snippet'}, snippetNodes(hit.snippet)));
		return nodes;
	}

	function renderHit(hit) {
		const type = TYPES.includes(hit.type) ? hit.type : 'page';
		const li = el('li', {class: `hit hit-${type}`, 'data-id': hit.id});
		const href = hitHref(hit.url);
		const top = el('div', {class: 'hit-top'},
			el('span', {class: `badge badge-${type}`, text: t().types[type]}), crumbs(hit.category));
		li.append(top);
		li.append(...(type === 'faq' || type === 'manual' ? readInPlace(hit, li, href) : linkHit(hit, href))
			.filter(Boolean));
		return li;
	}

	/* ---------------------------------------------------------------- facets */

	function facetCounts(reply, name) {
		const list = (reply && reply.facets && reply.facets[name]) || [];
		return new Map(list.map((f) => [f.value, f.count]));
	}

	function renderTypes(counts) {
		const list = $('type-list');
		list.replaceChildren();
		for (const type of TYPES) {
			const n = counts.get(type) || 0;
			const on = state.types.includes(type);
			if (!n && !on) continue;
			const b = el('button', {type: 'button', class: `chip chip-${type}`, 'aria-pressed': String(on),
				'data-type': type});
			b.append(el('span', {class: 'chip-label', text: t().types_plural[type]}),
				el('span', {class: 'count', text: String(n)}));
			b.addEventListener('click', () => {
				state.types = on ? state.types.filter((x) => x !== type) : [...state.types, type];
				runNow();
			});
			list.append(el('li', {}, b));
		}
		$('facet-type').hidden = !list.childNodes.length;
	}

	function renderCategories(counts) {
		const list = $('category-list');
		list.replaceChildren();
		const entries = [...counts.entries()];
		for (const c of state.categories) if (!counts.has(c)) entries.push([c, 0]);
		const shown = state.showAllCategories ? entries
			: entries.filter(([c], i) => i < CATEGORIES_SHOWN || state.categories.includes(c));
		shown.forEach(([value, n], i) => {
			const id = `cat-${i}`;
			const box = el('input', {type: 'checkbox', id, value});
			box.checked = state.categories.includes(value);
			box.addEventListener('change', () => {
				state.categories = box.checked ? [...state.categories, value]
					: state.categories.filter((x) => x !== value);
				runNow();
			});
			const parts = value.split(' > ');
			const label = el('label', {for: id, title: value});
			label.append(el('span', {class: 'cat-name', text: parts[parts.length - 1]}));
			if (parts.length > 1) {
				label.append(el('span', {class: 'cat-parent', text: parts.slice(0, -1).join(' › ')}));
			}
			label.append(el('span', {class: 'count', text: String(n)}));
			list.append(el('li', {}, box, label));
		});
		const more = $('category-more');
		more.hidden = entries.length <= CATEGORIES_SHOWN;
		more.textContent = state.showAllCategories ? t().show_fewer_categories
			: t().show_all_categories(entries.length);
		$('facet-category').hidden = !entries.length;
	}

	/* ---------------------------------------------------------- the search */

	const hasFilters = () => state.types.length > 0 || state.categories.length > 0;

	function syncUrl() {
		const p = new URLSearchParams();
		if (input.value.trim()) p.set('q', input.value);
		for (const x of state.types) p.append('type', x);
		for (const x of state.categories) p.append('category', x);
		if (state.lang !== 'nl') p.set('lang', state.lang);
		const qs = p.toString();
		history.replaceState(null, '', qs ? `?${qs}` : location.pathname);
		const q = input.value.trim();
		document.title = q ? `${q} – ${t().title} – ${state.config.shop || ''}`.replace(/ – $/, '')
			: `${t().title}${state.config.shop ? ` – ${state.config.shop}` : ''}`;
	}

	function setBusy(busy) {
		$('results-col').setAttribute('aria-busy', String(busy));
		document.body.classList.toggle('busy', busy);
	}

	function schedule() {
		clearTimeout(state.timer);
		state.timer = setTimeout(() => run(false), DEBOUNCE_MS);
	}

	function runNow() {
		run(false);
	}

	/* Search for what the box and the filters say; append: the next page. */
	async function run(append) {
		clearTimeout(state.timer);
		syncUrl();
		const q = input.value;
		if (!q.trim() && !hasFilters()) {
			if (state.controller) state.controller.abort();
			state.seq++;
			showStart();
			return;
		}
		if (state.controller) state.controller.abort();
		const controller = new AbortController();
		state.controller = controller;
		const seq = ++state.seq;
		const base = {q, lang: state.lang};
		const offset = append ? state.hits.length : 0;
		setBusy(true);
		try {
			const main = search({...base, limit: PAGE_SIZE, offset, facet_limit: FACET_LIMIT,
				type: state.types, category: state.categories}, controller.signal, !append);
			/* Counts for a facet that filters: the search without it.  Facets
			 * count every match whatever the page, and asking for the
			 * second hit keeps these out of the searches analytics record
			 * (only first pages count as a customer's search). */
			const counts = {...base, limit: 1, offset: 1, facet_limit: FACET_LIMIT};
			const typeCounts = !append && state.types.length
				? search({...counts, category: state.categories}, controller.signal, false) : null;
			const catCounts = !append && state.categories.length
				? search({...counts, type: state.types}, controller.signal, false) : null;
			const [reply, forTypes, forCats] = await Promise.all([main, typeCounts, catCounts]);
			if (seq !== state.seq) return;
			show(reply, forTypes || reply, forCats || reply, append);
		} catch (e) {
			if (e.name === 'AbortError' || seq !== state.seq) return;
			showError(e);
		} finally {
			if (seq === state.seq) setBusy(false);
		}
	}

	function show(reply, forTypes, forCats, append) {
		$('start').hidden = true;
		$('error').hidden = true;
		$('filters').hidden = !reply.total && !hasFilters();
		const list = $('results');
		const first = state.hits.length;
		if (!append) {
			state.hits = [];
			state.opened.clear();
			list.replaceChildren();
		}
		state.query = reply.query;
		const added = reply.hits.map((hit, i) => ({...hit, rank: reply.offset + i + 1}));
		state.hits.push(...added);
		list.append(...added.map(renderHit));

		renderTypes(facetCounts(forTypes, 'type'));
		state.categoryCounts = facetCounts(forCats, 'category');
		renderCategories(state.categoryCounts);
		$('clear-filters').hidden = !hasFilters();

		const q = reply.query.trim();
		$('status').textContent = reply.total
			? `${t().results(reply.total, q)}${state.hits.length < reply.total ? ` · ${t().shown(state.hits.length, reply.total)}` : ''}`
			: t().none(q);

		const dym = $('did-you-mean');
		const corrected = reply.did_you_mean;
		if (corrected && corrected.toLowerCase() !== q.toLowerCase()) {
			const b = el('button', {type: 'button', class: 'linkish dym-link', text: corrected});
			b.addEventListener('click', () => {
				input.value = corrected;
				runNow();
				input.focus();
			});
			dym.replaceChildren(`${t().did_you_mean} `, b, '? ',
				el('span', {class: 'dym-note', text: t().also_searched(corrected)}));
			dym.hidden = false;
		} else {
			dym.hidden = true;
		}

		const left = reply.total - state.hits.length;
		const more = $('more');
		more.hidden = left <= 0;
		more.textContent = t().more_count(Math.min(left, PAGE_SIZE));

		const empty = $('empty');
		empty.hidden = reply.total > 0;
		if (!reply.total) {
			$('empty-heading').textContent = q ? t().empty_heading(q) : t().empty_heading_filters;
		}
		$('contact-heading').textContent = reply.total ? t().contact_heading : t().contact_heading_empty;
		$('contact').hidden = false;

		if (append && list.children[first]) {
			const primary = list.children[first].querySelector('.hit-primary');
			if (primary) primary.focus();
		}
	}

	function showError(e) {
		console.error('search failed:', e.message);
		const err = $('error');
		err.textContent = t().error;
		err.hidden = false;
		$('status').textContent = '';
		$('contact').hidden = false;
	}

	/* Nothing typed, no filter: popular searches, topics, contact. */
	async function showStart() {
		state.hits = [];
		$('results').replaceChildren();
		$('status').textContent = '';
		$('did-you-mean').hidden = true;
		$('error').hidden = true;
		$('more').hidden = true;
		$('empty').hidden = true;
		$('filters').hidden = true;
		$('start').hidden = false;
		$('contact').hidden = false;
		$('contact-heading').textContent = t().contact_heading;
		setBusy(false);
		const seq = state.seq;
		try {
			/* The help topics: the categories with the most answers and
			 * manual sections. */
			const reply = await search({q: '', lang: state.lang, limit: 1, type: ['faq', 'manual']},
				undefined, false);
			if (seq !== state.seq) return;
			const topics = $('topics');
			topics.replaceChildren();
			for (const f of (reply.facets.category || []).slice(0, 8)) {
				const b = el('button', {type: 'button', class: 'topic', title: f.value});
				b.append(el('span', {class: 'topic-name', text: categoryLeaf(f.value)}),
					el('span', {class: 'topic-count', text: `${f.count}`}));
				b.addEventListener('click', () => {
					state.categories = [f.value];
					runNow();
				});
				topics.append(el('li', {}, b));
			}
			$('start').hidden = !topics.childNodes.length;
		} catch (e) {
			if (seq === state.seq) $('start').hidden = true;
		}
	}

	/* ------------------------------------------------------- shop settings */

	function pick(v) {
		return v && typeof v === 'object' ? (v[state.lang] || v.nl || '') : (v || '');
	}

	function renderContact() {
		const c = state.config.contact || {};
		const list = $('contact-list');
		list.replaceChildren();
		const item = (kind, label, value, href, note) => {
			const a = el('a', {class: `contact-item contact-${kind}`, href});
			a.append(el('span', {class: 'contact-icon', 'aria-hidden': 'true'}),
				el('span', {class: 'contact-label', text: label}),
				el('span', {class: 'contact-value', text: value}));
			if (note) a.append(el('span', {class: 'contact-note', text: note}));
			list.append(el('li', {}, a));
		};
		if (c.phone) item('phone', t().call, c.phone, `tel:${c.phone_link || c.phone.replace(/\s/g, '')}`, pick(c.hours));
		if (c.whatsapp && c.whatsapp_link) {
			item('whatsapp', t().whatsapp, c.whatsapp, `https://wa.me/${c.whatsapp_link}`, null);
		}
		if (c.email) item('mail', t().mail, c.email, `mailto:${c.email}`, pick(c.email_reply));
		const page = pick(c.page);
		const href = page ? hitHref(page) : null;
		if (href) item('page', state.config.shop || '', t().contact_page, href, null);
	}

	function renderPopular() {
		const list = $('popular-list');
		list.replaceChildren();
		const words = (state.config.popular && state.config.popular[state.lang]) || [];
		for (const w of words) {
			const b = el('button', {type: 'button', class: 'popular-term', text: w});
			b.addEventListener('click', () => {
				input.value = w;
				runNow();
				input.focus();
			});
			list.append(el('li', {}, b));
		}
		$('popular').hidden = !words.length;
	}

	/* ---------------------------------------------------------- language */

	function applyLanguage() {
		const tx = t();
		document.documentElement.lang = state.lang;
		for (const node of document.querySelectorAll('[data-i18n]')) {
			const v = tx[node.dataset.i18n];
			if (typeof v === 'string') node.textContent = v;
		}
		input.placeholder = tx.placeholder;
		document.querySelector('.lang').setAttribute('aria-label', tx.language);
		for (const b of document.querySelectorAll('.lang button')) {
			b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
		}
		$('shop-name').textContent = state.config.shop || '';
		renderPopular();
		renderContact();
	}

	function initialLanguage(params) {
		const ok = (l) => l === 'nl' || l === 'en';
		if (ok(params.get('lang'))) return params.get('lang');
		try {
			const saved = localStorage.getItem(LANG_KEY);
			if (ok(saved)) return saved;
		} catch (e) { /* storage off */ }
		/* Dutch first; English for a browser that asks for English and
		 * not for Dutch at all. */
		const langs = navigator.languages || [navigator.language || ''];
		if (langs.some((l) => /^nl\b/i.test(l))) return 'nl';
		return /^en\b/i.test(langs[0] || '') ? 'en' : 'nl';
	}

	/* ---------------------------------------------------------- keyboard */

	function primaries() {
		return [...document.querySelectorAll('#results .hit-primary')];
	}

	function onResultsKey(e) {
		const all = primaries();
		const i = all.indexOf(document.activeElement);
		if (i < 0) return;
		if (e.key === 'ArrowDown' && i + 1 < all.length) {
			all[i + 1].focus();
			e.preventDefault();
		} else if (e.key === 'ArrowUp') {
			(i > 0 ? all[i - 1] : input).focus();
			e.preventDefault();
		} else if (e.key === 'Escape') {
			input.focus();
			e.preventDefault();
		}
	}

	/* ---------------------------------------------------------------- start */

	async function loadConfig() {
		try {
			const res = await fetch('static/config.json', {headers: {Accept: 'application/json'}});
			if (!res.ok) throw new Error(`HTTP ${res.status}`);
			const cfg = await res.json();
			return cfg && typeof cfg === 'object' ? cfg : {};
		} catch (e) {
			console.error('static/config.json:', e.message);
			return {};
		}
	}

	async function init() {
		state.config = await loadConfig();
		try {
			state.site = new URL(state.config.site || '/', location.href);
		} catch (e) {
			console.error('config.json: bad site', state.config.site);
		}
		const params = new URLSearchParams(location.search);
		state.lang = initialLanguage(params);
		state.types = params.getAll('type').filter((x) => TYPES.includes(x));
		state.categories = params.getAll('category').filter((x) => x && x.length <= 200);
		input.value = params.get('q') || '';
		applyLanguage();

		input.addEventListener('input', schedule);
		input.addEventListener('keydown', (e) => {
			if (e.key === 'ArrowDown') {
				const first = primaries()[0];
				if (first) {
					first.focus();
					e.preventDefault();
				}
			} else if (e.key === 'Escape' && input.value) {
				input.value = '';
				runNow();
			}
		});
		$('search-form').addEventListener('submit', (e) => {
			e.preventDefault();
			runNow();
		});
		$('results').addEventListener('keydown', onResultsKey);
		$('more').addEventListener('click', () => run(true));
		$('clear-filters').addEventListener('click', () => {
			state.types = [];
			state.categories = [];
			runNow();
			input.focus();
		});
		$('category-more').addEventListener('click', () => {
			state.showAllCategories = !state.showAllCategories;
			renderCategories(state.categoryCounts);
		});
		for (const b of document.querySelectorAll('.lang button')) {
			b.addEventListener('click', () => {
				if (b.dataset.lang === state.lang) return;
				state.lang = b.dataset.lang;
				try {
					localStorage.setItem(LANG_KEY, state.lang);
				} catch (e) { /* storage off */ }
				/* Categories are named in the content's language. */
				state.categories = [];
				applyLanguage();
				runNow();
			});
		}
		runNow();
		if (!input.value) input.focus();
		document.body.classList.add('ready');
	}

	init();
})();
