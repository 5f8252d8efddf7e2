/*
 * widget.js - searchd's search bar for a shop's own pages.  One script tag
 * and one input make the input a search-as-you-type combobox: completions
 * of the word being typed, the top matching answers and products, and a
 * link to the full results, from searchd's GET /suggest across origins.
 *
 *   <input id="shop-search" type="search" placeholder="Zoeken">
 *   <script src="https://search.shop.example/static/widget.js"
 *           data-input="#shop-search" defer></script>
 *
 * searchd's origins setting must list the shop's origin (CORS).  The
 * script tag's data attributes, all optional:
 *   data-input    CSS selector of the input (default: the first
 *                 input[type=search] on the page)
 *   data-key      searchd's search_key, when it has one; it is sent as
 *                 Authorization: Bearer (a search key is public by nature)
 *   data-lang     nl or en: labels and which documents (default: <html lang>)
 *   data-site     where the hits' pages are (default: this page's origin)
 *   data-results  the full results page: "{q}" in it is replaced by the
 *                 query, else ?q= is added (default: searchd's help centre)
 *
 * Keyboard and screen readers follow the WAI-ARIA combobox pattern
 * (listbox popup, aria-activedescendant): arrows move, Enter picks (or
 * opens the full results), Escape closes and then clears.  A click on a
 * hit is told to searchd's /click with an anonymous per-tab session id
 * (sessionStorage, no cookie), as the help centre does.
 */
(() => {
	'use strict';

	const script = document.currentScript;
	if (!script || !script.src) return;

	const DEBOUNCE_MS = 150;
	const SESSION_KEY = 'vraagbaak-session';
	const TEXT = {
		nl: {
			label: 'Zoeken in de winkel en de klantenservice',
			suggestions: 'Zoeksuggesties',
			hits: 'Direct naar',
			all: (q) => `Alle resultaten voor ‘${q}’`,
			status: (s, h) => `${s} ${s === 1 ? 'suggestie' : 'suggesties'} en ${h} ${h === 1 ? 'resultaat' : 'resultaten'}. Kies met de pijltjestoetsen.`,
			nothing: 'Geen suggesties. Druk op Enter om te zoeken.',
			types: {faq: 'Vraag', manual: 'Handleiding', product: 'Product', page: 'Pagina'},
			availability: {
				in_stock: 'Op voorraad', out_of_stock: 'Uitverkocht', preorder: 'Pre-order',
				backorder: 'Nabestelbaar', limited: 'Beperkte voorraad',
			},
		},
		en: {
			label: 'Search the shop and customer service',
			suggestions: 'Suggestions',
			hits: 'Go straight to',
			all: (q) => `All results for ‘${q}’`,
			status: (s, h) => `${s} ${s === 1 ? 'suggestion' : 'suggestions'} and ${h} ${h === 1 ? 'result' : 'results'}. Use the arrow keys to choose.`,
			nothing: 'No suggestions. Press Enter to search.',
			types: {faq: 'Question', manual: 'Manual', product: 'Product', page: 'Page'},
			availability: {
				in_stock: 'In stock', out_of_stock: 'Out of stock', preorder: 'Pre-order',
				backorder: 'Backorder', limited: 'Limited stock',
			},
		},
	};

	/* searchd's root: this script is its /static/widget.js. */
	const base = new URL('../', script.src);
	const opts = script.dataset;
	let instances = 0;

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

	let fallbackSession = null;
	function sessionId() {
		const make = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
			.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
		try {
			let id = sessionStorage.getItem(SESSION_KEY);
			if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
				id = make();
				sessionStorage.setItem(SESSION_KEY, id);
			}
			return id;
		} catch (e) {
			fallbackSession = fallbackSession || make();
			return fallbackSession;
		}
	}

	function loadStyles() {
		const href = new URL('static/widget.css', base).href;
		if (document.querySelector(`link[href="${CSS.escape(href)}"]`)) return;
		document.head.append(el('link', {rel: 'stylesheet', href}));
	}

	function setup(input) {
		const n = ++instances;
		const lang = (opts.lang || document.documentElement.lang || 'nl').toLowerCase().startsWith('en') ? 'en' : 'nl';
		const tx = TEXT[lang];
		let site;
		try {
			site = new URL(opts.site || '/', location.href);
		} catch (e) {
			site = new URL('/', location.href);
		}
		const auth = opts.key ? {Authorization: `Bearer ${opts.key}`} : {};

		const listId = `vb-listbox-${n}`;
		const popup = el('div', {class: 'vb-popup', hidden: true});
		const listbox = el('div', {class: 'vb-listbox', id: listId, role: 'listbox', 'aria-label': tx.suggestions});
		const live = el('div', {class: 'vb-visually-hidden', role: 'status', 'aria-live': 'polite'});
		popup.append(listbox);
		document.body.append(popup, live);

		input.setAttribute('role', 'combobox');
		input.setAttribute('aria-autocomplete', 'list');
		input.setAttribute('aria-expanded', 'false');
		input.setAttribute('aria-controls', listId);
		input.setAttribute('aria-haspopup', 'listbox');
		input.setAttribute('autocomplete', 'off');
		if (!input.labels?.length && !input.getAttribute('aria-label') && !input.getAttribute('aria-labelledby')) {
			input.setAttribute('aria-label', tx.label);
		}

		let options = [];  /* {node, kind, text|hit} in display order */
		let active = -1;
		let query = '';    /* the text the options answer */
		let timer = 0;
		let seq = 0;
		let controller = null;

		function resultsUrl(q) {
			if (opts.results && opts.results.includes('{q}')) {
				return new URL(opts.results.replace('{q}', encodeURIComponent(q)), location.href).href;
			}
			const url = new URL(opts.results || base.href, location.href);
			url.searchParams.set('q', q);
			if (!opts.results && lang === 'en') url.searchParams.set('lang', 'en');
			return url.href;
		}

		function hitUrl(url) {
			try {
				const u = new URL(url, site);
				return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
			} catch (e) {
				return null;
			}
		}

		function place() {
			const r = input.getBoundingClientRect();
			const width = Math.min(Math.max(r.width, 340), document.documentElement.clientWidth - 16);
			let left = r.left + window.scrollX;
			left = Math.max(8 + window.scrollX, Math.min(left, window.scrollX + document.documentElement.clientWidth - width - 8));
			popup.style.top = `${r.bottom + window.scrollY + 6}px`;
			popup.style.left = `${left}px`;
			popup.style.width = `${width}px`;
		}

		function open() {
			if (!options.length) return;
			place();
			popup.hidden = false;
			input.setAttribute('aria-expanded', 'true');
		}

		function close() {
			popup.hidden = true;
			input.setAttribute('aria-expanded', 'false');
			setActive(-1);
		}

		function setActive(i, scroll) {
			if (active >= 0 && options[active]) {
				options[active].node.classList.remove('vb-active');
				options[active].node.setAttribute('aria-selected', 'false');
			}
			active = i;
			if (i >= 0 && options[i]) {
				const node = options[i].node;
				node.classList.add('vb-active');
				node.setAttribute('aria-selected', 'true');
				input.setAttribute('aria-activedescendant', node.id);
				if (scroll) node.scrollIntoView({block: 'nearest'});
			} else {
				input.removeAttribute('aria-activedescendant');
			}
		}

		function sendClick(hit, rank) {
			fetch(new URL('click', base), {
				method: 'POST',
				mode: 'cors',
				keepalive: true,
				headers: Object.assign({'Content-Type': 'application/json'}, auth),
				body: JSON.stringify({q: query, id: hit.id, rank, session: sessionId()}),
			}).catch(() => { /* never in the customer's way */ });
		}

		function activate(opt) {
			if (opt.kind === 'hit') {
				sendClick(opt.hit, opt.rank);
				location.assign(opt.href);
			} else {
				location.assign(resultsUrl(opt.text));
			}
			close();
		}

		function addOption(node, opt) {
			const i = options.length;
			node.id = `vb-${n}-opt-${i}`;
			node.setAttribute('role', 'option');
			node.setAttribute('aria-selected', 'false');
			node.classList.add('vb-option');
			node.addEventListener('mousedown', (e) => e.preventDefault());
			node.addEventListener('click', () => activate(opt));
			node.addEventListener('mousemove', () => {
				if (active !== i) setActive(i, false);
			});
			options.push(Object.assign(opt, {node}));
			return node;
		}

		function price(hit) {
			if (typeof hit.price !== 'number') return null;
			try {
				return new Intl.NumberFormat(lang === 'en' ? 'en-IE' : 'nl-NL',
					{style: 'currency', currency: hit.currency || 'EUR'}).format(hit.price);
			} catch (e) {
				return String(hit.price);
			}
		}

		function render(reply) {
			options = [];
			active = -1;
			input.removeAttribute('aria-activedescendant');
			listbox.replaceChildren();
			query = reply.query;
			const typed = query.trim();
			const sugg = (reply.suggestions || []).filter((s) => s.text.trim() !== typed.toLowerCase()).slice(0, 4);
			const hits = (reply.titles || []).map((h) => [h, hitUrl(h.url)]).filter(([, href]) => href).slice(0, 5);
			if (sugg.length) {
				const head = el('div', {class: 'vb-heading', id: `vb-${n}-g1`, role: 'presentation', text: tx.suggestions});
				const group = el('div', {class: 'vb-group', role: 'group', 'aria-labelledby': head.id}, head);
				for (const s of sugg) {
					/* What was typed plain, the completion in bold. */
					const common = s.text.toLowerCase().startsWith(typed.toLowerCase()) ? typed.length : 0;
					const node = el('div', {class: 'vb-suggestion'},
						el('span', {class: 'vb-icon vb-icon-search', 'aria-hidden': 'true'}),
						el('span', {class: 'vb-text'}, s.text.slice(0, common), el('strong', {text: s.text.slice(common)})));
					group.append(addOption(node, {kind: 'suggestion', text: s.text}));
				}
				listbox.append(group);
			}
			if (hits.length) {
				const head = el('div', {class: 'vb-heading', id: `vb-${n}-g2`, role: 'presentation', text: tx.hits});
				const group = el('div', {class: 'vb-group', role: 'group', 'aria-labelledby': head.id}, head);
				hits.forEach(([h, href], i) => {
					const type = tx.types[h.type] ? h.type : 'page';
					const meta = el('span', {class: 'vb-meta'});
					const p = price(h);
					if (p) meta.append(el('span', {class: 'vb-price', text: p}));
					if (h.availability) {
						meta.append(el('span', {class: `vb-stock vb-stock-${h.availability}`,
							text: tx.availability[h.availability] || h.availability}));
					}
					const node = el('div', {class: 'vb-hit'},
						el('span', {class: `vb-badge vb-badge-${type}`, text: tx.types[type]}),
						el('span', {class: 'vb-title', text: h.title || h.url}),
						meta.childNodes.length ? meta : null);
					group.append(addOption(node, {kind: 'hit', hit: h, href, rank: i + 1}));
				});
				listbox.append(group);
			}
			if (typed) {
				const node = el('div', {class: 'vb-all'}, el('span', {text: tx.all(typed)}),
					el('span', {class: 'vb-arrow', 'aria-hidden': 'true', text: '→'}));
				listbox.append(addOption(node, {kind: 'all', text: typed}));
			}
			live.textContent = sugg.length || hits.length ? tx.status(sugg.length, hits.length) : tx.nothing;
			if (document.activeElement === input && options.length) open();
			else close();
		}

		async function fetchSuggestions() {
			const q = input.value;
			if (!q.trim()) {
				if (controller) controller.abort();
				seq++;
				options = [];
				listbox.replaceChildren();
				close();
				return;
			}
			if (controller) controller.abort();
			controller = new AbortController();
			const mine = ++seq;
			const url = new URL('suggest', base);
			url.searchParams.set('q', q);
			url.searchParams.set('limit', '5');
			url.searchParams.set('lang', lang);
			try {
				const res = await fetch(url, {signal: controller.signal, mode: 'cors', headers: auth});
				const body = await res.json();
				if (!res.ok) throw new Error((body && body.error && body.error.message) || `HTTP ${res.status}`);
				if (mine === seq) render(body);
			} catch (e) {
				if (e.name !== 'AbortError' && mine === seq) {
					console.warn('vraagbaak widget:', e.message);
					close();
				}
			}
		}

		input.addEventListener('input', () => {
			clearTimeout(timer);
			timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
		});
		input.addEventListener('keydown', (e) => {
			const count = options.length;
			const isOpen = !popup.hidden;
			if (e.key === 'ArrowDown') {
				e.preventDefault();
				if (!isOpen) {
					open();
					if (count) setActive(0, true);
				} else if (count) {
					setActive((active + 1) % count, true);
				}
			} else if (e.key === 'ArrowUp') {
				e.preventDefault();
				if (!isOpen) {
					open();
					if (count) setActive(count - 1, true);
				} else if (count) {
					setActive(active <= 0 ? count - 1 : active - 1, true);
				}
			} else if (e.key === 'Enter') {
				if (isOpen && active >= 0) {
					e.preventDefault();
					activate(options[active]);
				} else if (input.value.trim()) {
					e.preventDefault();
					clearTimeout(timer);
					location.assign(resultsUrl(input.value.trim()));
				}
			} else if (e.key === 'Escape') {
				if (isOpen) {
					e.preventDefault();
					close();
				} else if (input.value) {
					e.preventDefault();
					input.value = '';
					options = [];
					listbox.replaceChildren();
				}
			} else if (e.key === 'Tab') {
				close();
			}
		});
		input.addEventListener('focus', () => {
			if (input.value.trim() && options.length) open();
		});
		input.addEventListener('blur', close);
		window.addEventListener('resize', () => {
			if (!popup.hidden) place();
		});
		window.addEventListener('scroll', () => {
			if (!popup.hidden) place();
		}, {passive: true, capture: true});
		if (input.form) {
			/* Submitting the shop's form goes to the full results too. */
			input.form.addEventListener('submit', (e) => {
				if (!input.value.trim()) return;
				e.preventDefault();
				location.assign(resultsUrl(input.value.trim()));
			});
		}
	}

	function init() {
		const input = document.querySelector(opts.input || 'input[type="search"]');
		if (!(input instanceof HTMLInputElement)) {
			console.warn(`vraagbaak widget: no input matches ${opts.input || 'input[type="search"]'}`);
			return;
		}
		loadStyles();
		setup(input);
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
})();
