// The operator console page: plain DOM, no framework. Talks to the console's JSON API with
// the session cookie; every change sends the session's CSRF token in x-csrf-token.

const TEXT = {
  en: {
    board: 'Numbers', week: 'Week', audit: 'Audit', calls: 'Calls', crm: 'CRM', logout: 'Log out', login: 'Log in', token: 'API token',
    loginButton: 'Log in', number: 'Number', when: 'When', actor: 'Who', door: 'Door', change: 'Change', target: 'Target', details: 'Details',
    filter: 'Filter', allActions: 'all changes', caller: 'Caller', reason: 'Reason', action: 'Action', deadLetters: 'Dead letters', event: 'Event',
    error: 'Error', overrideFor: 'Override', closed: 'closed', open: 'open', expiry: 'Until', untilCleared: 'until cleared',
    untilTomorrow: 'until tomorrow 08:00', untilAt: 'until a date and time', scheduled: 'scheduled: from … until …', from: 'From', note: 'Note',
    cancel: 'Cancel', save: 'Save', setOverride: 'Override…', clearOverride: 'Clear override', weekButton: 'Week', retry: 'Retry',
    nextChange: (open, when) => `${open ? 'closes' : 'opens'} ${when}`, noChange: 'no change within 366 days', by: 'by',
    overrideLine: (state, until) => `override: ${state}${until ? ` until ${until}` : ' until cleared'}`, scheduledLine: (state, from, until) => `scheduled: ${state} ${from} – ${until}`,
    reasons: { override: 'override', 'working-hours': 'working hours', holiday: 'holiday', 'day-off': 'day off', 'outside-hours': 'outside hours' },
    numberZone: 'in the number\'s zone', yourZone: 'in your zone', closedAllDay: 'closed', pending: 'pending', done: 'done', dead: 'dead letters',
    noConfig: 'No configuration is pushed yet.', empty: 'nothing yet', loggedInAs: (n, r) => `${n} (${r})`,
    sounds: 'Sounds', soundsOption: 'sounds', uploadSound: 'Upload a recording', soundFile: 'File (MP3, M4A/AAC, OGG/Opus, FLAC or WAV)',
    soundName: 'Name (sound:NAME in the configuration)', replaceSound: 'replace a sound of that name', upload: 'Upload', uploading: 'Uploading…',
    removeSound: 'Remove', confirmRemove: (n) => `Remove the sound ${n}?`, added: 'added', uploaded: (n) => `${n} is stored; use it as sound:${n}`,
    versions: 'Config', version: 'Version', numbersCount: 'Numbers', changes: 'Changes', rollback: 'Roll back to this', inForce: 'in force',
    rollbackOf: (v) => `rollback to ${v}`, diffTitle: (a, b) => `Changes from version ${a} to ${b}`, noDiff: 'no changes',
    confirmRollback: (v) => `Push version ${v}'s text again as a new version? Every daemon switches to it within a second.`,
    rolledBack: (v, n) => `Version ${n} is in force (the text of version ${v}).`,
  },
  pl: {
    board: 'Numery', week: 'Tydzień', audit: 'Historia zmian', calls: 'Połączenia', crm: 'CRM', logout: 'Wyloguj', login: 'Logowanie', token: 'Token API',
    loginButton: 'Zaloguj', number: 'Numer', when: 'Kiedy', actor: 'Kto', door: 'Skąd', change: 'Zmiana', target: 'Czego dotyczy', details: 'Szczegóły',
    filter: 'Filtruj', allActions: 'wszystkie zmiany', caller: 'Dzwoniący', reason: 'Powód', action: 'Akcja', deadLetters: 'Nieudane zdarzenia', event: 'Zdarzenie',
    error: 'Błąd', overrideFor: 'Wymuszenie', closed: 'zamknięty', open: 'otwarty', expiry: 'Do', untilCleared: 'do odwołania',
    untilTomorrow: 'do jutra 08:00', untilAt: 'do daty i godziny', scheduled: 'zaplanowane: od … do …', from: 'Od', note: 'Notatka',
    cancel: 'Anuluj', save: 'Zapisz', setOverride: 'Wymuś…', clearOverride: 'Usuń wymuszenie', weekButton: 'Tydzień', retry: 'Ponów',
    nextChange: (open, when) => `${open ? 'zamknięcie' : 'otwarcie'} ${when}`, noChange: 'bez zmian przez 366 dni', by: 'ustawił(a)',
    overrideLine: (state, until) => `wymuszenie: ${state}${until ? ` do ${until}` : ' do odwołania'}`, scheduledLine: (state, from, until) => `zaplanowane: ${state} ${from} – ${until}`,
    reasons: { override: 'wymuszenie', 'working-hours': 'godziny pracy', holiday: 'święto', 'day-off': 'dzień wolny', 'outside-hours': 'poza godzinami' },
    numberZone: 'w strefie numeru', yourZone: 'w Twojej strefie', closedAllDay: 'zamknięte', pending: 'w kolejce', done: 'wykonane', dead: 'nieudane',
    noConfig: 'Nie wysłano jeszcze konfiguracji.', empty: 'jeszcze nic', loggedInAs: (n, r) => `${n} (${r})`,
    sounds: 'Nagrania', soundsOption: 'nagrania', uploadSound: 'Wgraj nagranie', soundFile: 'Plik (MP3, M4A/AAC, OGG/Opus, FLAC lub WAV)',
    soundName: 'Nazwa (sound:NAZWA w konfiguracji)', replaceSound: 'zastąp nagranie o tej nazwie', upload: 'Wgraj', uploading: 'Wgrywanie…',
    removeSound: 'Usuń', confirmRemove: (n) => `Usunąć nagranie ${n}?`, added: 'dodano', uploaded: (n) => `Zapisano ${n}; użyj go jako sound:${n}`,
    versions: 'Konfiguracja', version: 'Wersja', numbersCount: 'Numery', changes: 'Zmiany', rollback: 'Przywróć tę wersję', inForce: 'obowiązuje',
    rollbackOf: (v) => `przywrócenie wersji ${v}`, diffTitle: (a, b) => `Zmiany od wersji ${a} do ${b}`, noDiff: 'bez zmian',
    confirmRollback: (v) => `Wysłać ponownie treść wersji ${v} jako nową wersję? Wszystkie demony przełączą się na nią w ciągu sekundy.`,
    rolledBack: (v, n) => `Obowiązuje wersja ${n} (treść wersji ${v}).`,
  },
};

const $ = (sel) => document.querySelector(sel);
const state = { lang: localStorage.getItem('ah-lang') || document.documentElement.lang || 'en', me: null, numbers: [], tab: 'board', overrideDid: null };
const t = (key) => TEXT[state.lang][key] ?? TEXT.en[key] ?? key;
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function fmt(iso, zone) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(state.lang === 'pl' ? 'pl-PL' : 'en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: zone }).format(new Date(iso));
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.me?.csrf) headers['x-csrf-token'] = state.me.csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && path !== '/api/session') showLogin();
  if (!res.ok) throw new Error(data?.error ?? `${res.status}`);
  return data;
}

function message(text) {
  const m = $('#message');
  m.textContent = text ?? '';
  m.hidden = !text;
}

function translate() {
  document.documentElement.lang = state.lang;
  for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
  for (const n of document.querySelectorAll('[data-i18n-placeholder]')) n.placeholder = t(n.dataset.i18nPlaceholder);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
}

function showLogin() {
  state.me = null;
  $('#login').hidden = false;
  $('#tabs').hidden = true;
  $('#logout').hidden = true;
  $('#who').textContent = '';
  for (const s of document.querySelectorAll('.tab')) s.hidden = true;
}

function showTab(tab) {
  state.tab = tab;
  for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== tab;
  for (const b of document.querySelectorAll('[data-tab]')) {
    if (b.dataset.tab === tab) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  return refresh();
}

const canOperate = () => state.me && state.me.role !== 'viewer';

function overrideText(o, zone) {
  if (!o) return null;
  const s = t(o.state);
  if (o.from !== undefined && o.from > Date.now()) return t('scheduledLine')(s, fmt(o.from, zone), fmt(o.until, zone));
  return t('overrideLine')(s, o.until === undefined ? '' : fmt(o.until, zone));
}

function renderBoard(data) {
  const list = $('#board-list');
  list.replaceChildren();
  if (data.configVersion === null) list.append(el('p', {}, t('noConfig')));
  state.numbers = data.numbers;
  for (const n of data.numbers) {
    const next = n.nextChange === null ? t('noChange') : t('nextChange')(n.open, fmt(n.nextChange, n.timezone));
    const overrides = n.overrides ?? [];
    list.append(
      el('article', { class: `card ${n.open ? 'open' : 'closed'}`, 'data-did': n.did },
        el('h3', {}, n.name),
        el('div', { class: 'did' }, `${n.did} · ${n.timezone}`),
        el('div', {}, el('span', { class: 'state' }, t(n.open ? 'open' : 'closed')), ' · ', el('span', { class: 'reason' }, t('reasons')[n.reason] ?? n.reason), n.holiday ? ` (${n.holiday.name})` : ''),
        el('div', { class: 'muted next' }, next),
        ...overrides.map((o) =>
          el('div', { class: 'override', 'data-id': o.id }, overrideText(o, n.timezone), o.note ? ` — ${o.note}` : '', o.by ? ` (${t('by')} ${o.by})` : '',
            canOperate() && overrides.length > 1 ? el('button', { type: 'button', class: 'remove-override', title: t('clearOverride'), 'aria-label': t('clearOverride'), onclick: () => removeOverride(n.did, o.id) }, '×') : null)),
        el('div', { class: 'actions' },
          canOperate() ? el('button', { type: 'button', class: 'set-override', onclick: () => openOverride(n) }, t('setOverride')) : null,
          canOperate() && overrides.length ? el('button', { type: 'button', class: 'clear-override', onclick: () => clearOverride(n.did) }, t('clearOverride')) : null,
          el('button', { type: 'button', onclick: () => { $('#week-number').value = n.did; showTab('week'); } }, t('weekButton')),
        ),
      ),
    );
  }
  const sel = $('#week-number');
  const keep = sel.value;
  sel.replaceChildren(...data.numbers.map((n) => el('option', { value: n.did }, `${n.name} (${n.did})`)));
  if (keep) sel.value = keep;
}

/** One open stretch of a day bar; positioned through the CSSOM (the CSP forbids style attributes). */
function barSpan(s) {
  const span = el('span');
  span.style.left = `${s.left}%`;
  span.style.width = `${s.width}%`;
  return span;
}

function renderWeekColumn(days, title) {
  return el('div', {},
    el('h3', {}, title),
    el('div', { class: 'week' }, days.map((d) =>
      el('div', { class: 'day' },
        el('strong', {}, d.label),
        el('div', { class: 'bar' }, d.spans.map(barSpan)),
        el('div', { class: 'hours' }, d.text || t('closedAllDay')),
      ))),
  );
}

/** Cuts open intervals into the 7 calendar days of `zone` starting today. */
function daysIn(intervals, zone) {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const label = new Intl.DateTimeFormat(state.lang === 'pl' ? 'pl-PL' : 'en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' });
  const minutes = (ms) => { const [h, m] = time.format(new Date(ms)).split(':').map(Number); return h * 60 + m; };
  const days = new Map();
  for (let ms = Date.now(); days.size < 7; ms += 3600_000) {
    const key = day.format(new Date(ms));
    if (!days.has(key)) days.set(key, { label: label.format(new Date(ms)), spans: [], parts: [] });
  }
  for (const iv of intervals) {
    for (let start = Date.parse(iv.start), end = Date.parse(iv.end); start < end;) {
      const key = day.format(new Date(start));
      let stop = start;
      while (stop < end && day.format(new Date(stop)) === key) stop = Math.min(end, stop + 15 * 60_000);
      // Stepped past the local midnight: find it to the minute.
      for (let lo = stop - 15 * 60_000; stop < end && stop - lo > 60_000; ) {
        const mid = lo + Math.max(1, Math.floor((stop - lo) / 120_000)) * 60_000;
        if (day.format(new Date(mid)) === key) lo = mid;
        else stop = mid;
      }
      const d = days.get(key);
      if (d) {
        const a = minutes(start);
        const b = stop === end ? minutes(end) || 1440 : 1440;
        d.spans.push({ left: (a / 1440) * 100, width: Math.max(0.5, ((b - a) / 1440) * 100) });
        d.parts.push(`${time.format(new Date(start))}–${stop === end ? time.format(new Date(end)) : '24:00'}`);
      }
      start = stop;
    }
  }
  return [...days.values()].map((d) => ({ ...d, text: d.parts.join(', ') }));
}

async function renderWeek() {
  const did = $('#week-number').value || state.numbers[0]?.did;
  if (!did) return;
  const w = await api('GET', `/api/numbers/${encodeURIComponent(did)}/week?zone=${encodeURIComponent(viewerZone)}`);
  const cols = [renderWeekColumn(daysIn(w.intervals, w.timezone), `${w.timezone} (${t('numberZone')})`)];
  if (viewerZone !== w.timezone) cols.push(renderWeekColumn(daysIn(w.intervals, viewerZone), `${viewerZone} (${t('yourZone')})`));
  $('#week-view').replaceChildren(el('div', { class: 'zones' }, cols));
}

/** An audit entry's before and after, readably: overrides as state and window, the rest as JSON. */
function details(e) {
  const when = (ms) => fmt(new Date(ms).toISOString(), viewerZone);
  const one = (v) =>
    v && typeof v === 'object' && v.state
      ? `${t(v.state)}${v.from ? ` ${when(v.from)}` : ''}${v.until ? ` → ${when(v.until)}` : ''}${v.note ? ` “${v.note}”` : ''}`
      : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const show = (v) => (v === null || v === undefined || (Array.isArray(v) && v.length === 0) ? '–' : Array.isArray(v) ? v.map(one).join('; ') : one(v));
  return `${show(e.before)} ⇒ ${show(e.after)}${e.note ? ` (${e.note})` : ''}`;
}

async function renderAudit() {
  const q = new URLSearchParams();
  for (const [k, v] of new FormData($('#audit-filter'))) if (v) q.set(k, v);
  q.set('limit', '100');
  const page = await api('GET', `/api/audit?${q}`);
  const rows = page.entries.map((e) => el('tr', {}, el('td', {}, fmt(e.at, viewerZone)), el('td', { class: 'actor' }, e.actor), el('td', {}, e.door), el('td', {}, e.action), el('td', {}, e.target), el('td', { class: 'details' }, details(e))));
  $('#audit-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6 }, t('empty')))]));
}

async function renderCalls() {
  const calls = await api('GET', '/api/calls?limit=50');
  const rows = calls.map((c) => el('tr', {}, el('td', {}, fmt(c.time, viewerZone)), el('td', {}, `${c.name} ${c.did}`), el('td', {}, c.caller), el('td', {}, t('reasons')[c.reason] ?? c.reason), el('td', {}, c.action)));
  $('#calls-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5 }, t('empty')))]));
}

async function renderCrm() {
  const crm = await api('GET', '/api/crm');
  $('#crm-state').textContent = `${t('pending')}: ${crm.pending} · ${t('done')}: ${crm.done} · ${t('dead')}: ${crm.deadLetters.length}`;
  const rows = crm.deadLetters.map((d) => el('tr', {}, el('td', {}, fmt(d.failedAt, viewerZone)), el('td', {}, d.eventId), el('td', { class: 'details' }, d.error),
    el('td', {}, state.me.role === 'admin' ? el('button', { type: 'button', onclick: async () => { await api('POST', `/api/crm/dead/${encodeURIComponent(d.deadId)}/retry`); await renderCrm(); } }, t('retry')) : '')));
  $('#dead-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 4 }, t('empty')))]));
}

const isAdmin = () => state.me?.role === 'admin';

async function renderSounds() {
  const sounds = await api('GET', '/api/sounds');
  $('#sound-upload').hidden = !isAdmin();
  const cards = sounds.map((s) =>
    el('article', { class: 'card sound', 'data-name': s.name },
      el('h3', {}, `sound:${s.name}`),
      el('div', { class: 'muted' }, `${(s.durationMs / 1000).toFixed(1)} s · ${Math.round(s.bytes / 1024)} KB · ${t('added')} ${fmt(s.addedAt, viewerZone)}`),
      el('div', { class: 'muted source' }, s.source),
      el('audio', { controls: true, preload: 'none', src: `/api/sounds/${encodeURIComponent(s.name)}.wav?v=${s.hash ?? ''}` }),
      isAdmin() ? el('div', { class: 'actions' }, el('button', { type: 'button', class: 'remove-sound', onclick: () => removeSound(s.name) }, t('removeSound'))) : null,
    ));
  $('#sound-list').replaceChildren(...(cards.length ? cards : [el('p', {}, t('empty'))]));
}

async function removeSound(name) {
  if (!confirm(t('confirmRemove')(name))) return;
  try {
    await api('DELETE', `/api/sounds/${encodeURIComponent(name)}`);
    await renderSounds();
  } catch (err) {
    message(err.message);
  }
}

/** The file itself is the body (no multipart): audio/* as the browser knows it, else octet-stream. */
async function uploadSound(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const file = f.file.files[0];
  const error = $('#sound-error');
  error.hidden = true;
  if (!file) return;
  const name = f.name.value.trim();
  const q = new URLSearchParams({ file: file.name });
  if (f.replace.checked) q.set('replace', '1');
  const submit = ev.target.querySelector('button[type="submit"]');
  submit.disabled = true;
  submit.textContent = t('uploading');
  try {
    const res = await fetch(`/api/sounds/${encodeURIComponent(name)}?${q}`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': file.type.startsWith('audio/') ? file.type : 'application/octet-stream', 'x-csrf-token': state.me?.csrf ?? '' },
      body: file,
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => null);
    if (res.status === 401) showLogin();
    if (!res.ok) throw new Error(data?.error ?? `${res.status}`);
    ev.target.reset();
    await renderSounds();
    message('');
    $('#sound-list').prepend(el('p', { class: 'notice' }, t('uploaded')(data.name)));
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  } finally {
    submit.disabled = false;
    submit.textContent = t('upload');
  }
}

/** A name from the file's name, when none is typed yet: "Christmas Eve.mp3" → christmas-eve. */
function suggestName() {
  const f = $('#sound-upload').elements;
  const file = f.file.files[0];
  if (!file || f.name.value) return;
  f.name.value = file.name.replace(/\.[^.]*$/, '').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ł/g, 'l').replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').slice(0, 63);
}

/** The kept configuration versions (admin): newest first, each with its changes and a rollback. */
async function renderVersions() {
  const list = await api('GET', '/api/config/versions');
  const rows = list.map((v, i) => {
    const older = list[i + 1];
    return el('tr', { 'data-version': v.version },
      el('td', {}, String(v.version), i === 0 ? el('span', { class: 'muted' }, ` (${t('inForce')})`) : ''),
      el('td', {}, fmt(v.at, viewerZone)), el('td', { class: 'actor' }, v.author), el('td', {}, v.door),
      el('td', { class: 'details' }, [v.note ?? '', v.rollbackOf ? ` [${t('rollbackOf')(v.rollbackOf)}]` : ''].join('').trim()),
      el('td', {}, String(v.numbers)),
      el('td', { class: 'actions' },
        older ? el('button', { type: 'button', class: 'show-diff', onclick: () => showDiff(older.version, v.version) }, t('changes')) : null,
        i > 0 ? el('button', { type: 'button', class: 'rollback', onclick: () => rollBack(v.version) }, t('rollback')) : null,
      ),
    );
  });
  $('#version-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 7 }, t('noConfig')))]));
}

async function showDiff(from, to) {
  try {
    const d = await api('GET', `/api/config/diff?from=${from}&to=${to}`);
    $('#version-diff-title').textContent = t('diffTitle')(from, to);
    $('#version-diff-title').hidden = false;
    // Each line coloured by its sign (textContent only: the YAML is never parsed as HTML).
    const lines = (d.diff || t('noDiff')).split('\n').map((line) =>
      el('span', { class: line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '' }, `${line}\n`));
    $('#version-diff').replaceChildren(...lines);
    $('#version-diff').hidden = false;
  } catch (err) {
    message(err.message);
  }
}

async function rollBack(version) {
  if (!confirm(t('confirmRollback')(version))) return;
  try {
    const r = await api('POST', '/api/config/rollback', { version });
    await renderVersions();
    $('#version-notice').textContent = t('rolledBack')(version, r.version);
    $('#version-notice').hidden = false;
  } catch (err) {
    message(err.message);
  }
}

async function refresh() {
  if (!state.me) return;
  try {
    message('');
    if (state.tab === 'board' || state.numbers.length === 0) renderBoard(await api('GET', '/api/numbers'));
    if (state.tab === 'week') await renderWeek();
    if (state.tab === 'audit') await renderAudit();
    if (state.tab === 'calls') await renderCalls();
    if (state.tab === 'crm') await renderCrm();
    if (state.tab === 'sounds') await renderSounds();
    if (state.tab === 'versions') await renderVersions();
  } catch (err) {
    if (state.me) message(err.message);
  }
}

function openOverride(n) {
  state.overrideDid = n.did;
  const f = $('#override-form');
  f.reset();
  $('#override-number').textContent = `${n.name} (${n.did})`;
  $('#override-error').hidden = true;
  syncExpiry();
  $('#override-dialog').showModal();
}

function syncExpiry() {
  const v = $('#override-form').elements.expiry.value;
  $('#override-form .from').hidden = v !== 'window';
  $('#override-form .until').hidden = v !== 'at' && v !== 'window';
}

function localInput(value) {
  return value ? new Date(value).toISOString() : undefined;
}

async function saveOverride(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const body = { state: f.state.value };
  const now = Date.now();
  const exp = f.expiry.value;
  if (exp.endsWith('h')) body.until = new Date(now + Number(exp.slice(0, -1)) * 3600_000).toISOString();
  if (exp === 'tomorrow') { const d = new Date(now + 86_400_000); d.setHours(8, 0, 0, 0); body.until = d.toISOString(); }
  if (exp === 'at' || exp === 'window') body.until = localInput(f.until.value);
  if (exp === 'window') body.from = localInput(f.from.value);
  if (f.note.value.trim()) body.note = f.note.value.trim();
  try {
    await api(exp === 'window' ? 'POST' : 'PUT', exp === 'window' ? `/api/numbers/${encodeURIComponent(state.overrideDid)}/overrides` : `/api/numbers/${encodeURIComponent(state.overrideDid)}/override`, body);
    $('#override-dialog').close();
    await refresh();
  } catch (err) {
    $('#override-error').textContent = err.message;
    $('#override-error').hidden = false;
  }
}

async function removeOverride(did, id) {
  try {
    await api('DELETE', `/api/numbers/${encodeURIComponent(did)}/overrides/${encodeURIComponent(id)}`);
    await refresh();
  } catch (err) {
    message(err.message);
  }
}

async function clearOverride(did) {
  try {
    await api('DELETE', `/api/numbers/${encodeURIComponent(did)}/override`);
    await refresh();
  } catch (err) {
    message(err.message);
  }
}

function loggedIn(me) {
  state.me = me;
  $('#login').hidden = true;
  $('#tabs').hidden = false;
  $('#logout').hidden = false;
  $('#who').textContent = t('loggedInAs')(me.name, me.role);
  $('[data-tab=versions]').hidden = me.role !== 'admin';
  return showTab(state.tab === 'versions' && me.role !== 'admin' ? 'board' : state.tab);
}

async function start() {
  translate();
  $('#login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const me = await api('POST', '/api/session', { token: $('#token').value.trim() });
      $('#token').value = '';
      await loggedIn(me);
    } catch (err) {
      message(err.message);
    }
  });
  $('#logout').addEventListener('click', async () => { await api('DELETE', '/api/session').catch(() => null); showLogin(); });
  for (const b of document.querySelectorAll('[data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => { state.lang = b.dataset.lang; localStorage.setItem('ah-lang', state.lang); translate(); if (state.me) { $('#who').textContent = t('loggedInAs')(state.me.name, state.me.role); refresh(); } });
  $('#override-form').addEventListener('submit', saveOverride);
  $('#sound-upload').addEventListener('submit', uploadSound);
  $('#sound-upload').elements.file.addEventListener('change', suggestName);
  $('#override-form').elements.expiry.addEventListener('change', syncExpiry);
  $('#override-cancel').addEventListener('click', () => $('#override-dialog').close());
  $('#week-number').addEventListener('change', () => renderWeek().catch((err) => message(err.message)));
  $('#audit-filter').addEventListener('submit', (ev) => { ev.preventDefault(); renderAudit().catch((err) => message(err.message)); });
  try {
    await loggedIn(await api('GET', '/api/session'));
  } catch {
    showLogin();
  }
  // Not on the sounds tab (a refresh would stop a sound being played), nor on versions (it would hide a diff being read).
  setInterval(() => { if (state.me && !document.hidden && !$('#override-dialog').open && state.tab !== 'sounds' && state.tab !== 'versions') refresh(); }, 10_000);
}

start();
