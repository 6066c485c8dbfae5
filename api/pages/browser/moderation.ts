/**
 * The moderation page's script (api/moderation-page.ts has its markup): runs in the browser, bundled into the page
 * by scripts/page-scripts.ts. Staff sign in by emailed link (the token is kept in localStorage), read a site's
 * queue, open a submission, claim it and approve or reject it. Every API URL is relative to the page; every dynamic
 * text is written with `textContent`.
 */
import { STAFF_TOKEN_KEY } from '../staff-token-key.js';

// ------------------------------------------------------------------------------------------ the API's answers

interface Permissions {
  network: string[];
  sites: Record<string, string[] | undefined>;
}

interface Me {
  id: string;
  name: string;
  permissions?: Permissions;
}

interface QueueItem {
  id: string;
  createdAt: string;
  type: string;
  targetName: string;
  submitter: { name: string };
}

interface QueuePage {
  items: QueueItem[];
  cursor: string | null;
}

interface Review {
  round: number;
  claimedBy: string | null;
  claimedUntil: string | null;
  outcome: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

interface Submission {
  id: string;
  type: string;
  site: string;
  submitter: { id: string; verified: boolean; name: string };
  targetType: string;
  targetName: string;
  targetUrl: string;
  subject?: string | null;
  message: string | null;
  show?: { title: string; year: number; venue?: string; role?: string } | null;
  bio?: { fullName: string; yearOfGraduation: number | null; course?: string; links?: string[] } | null;
  status: string;
  createdAt: string;
  decidedAt?: string | null;
  reason: string | null;
  review?: Review | null;
}

type ApiResult<T> =
  | { ok: true; status: number; data: T; detail: null }
  | { ok: false; status: number; data: unknown; detail: string };

// ------------------------------------------------------------------------------------------ the page

const PAGE_SIZE = 25;
const sections = ['signin', 'session', 'queue', 'submission'];

/** The page's element of `id`, of the expected kind (the markup is static: a missing one is a bug). */
function $<T extends HTMLElement = HTMLElement>(id: string, kind?: new () => T): T {
  const element = document.getElementById(id);
  if (!element || (kind && !(element instanceof kind))) throw new Error(`The page has no element #${id}`);
  return element as T;
}
const input = (id: string) => $(id, HTMLInputElement);
const button = (id: string) => $(id, HTMLButtonElement);

const statusLine = $('status');
let token: string | null = null;
let me: Me | null = null;
let queueCursor: string | null = null;
let current: Submission | null = null;

const readToken = () => {
  try {
    return localStorage.getItem(STAFF_TOKEN_KEY);
  } catch {
    return null;
  }
};
const forgetToken = () => {
  token = null;
  me = null;
  try {
    localStorage.removeItem(STAFF_TOKEN_KEY);
  } catch {
    /* disabled */
  }
};
const say = (element: HTMLElement, text?: string | null) => {
  element.textContent = text || '';
};
const show = (...visible: string[]) => {
  for (const id of sections) $(id).hidden = !visible.includes(id);
};
const when = (value: string | null | undefined) => (value ? new Date(value).toLocaleString() : '');

function detailOf(data: unknown, status: number): string {
  const detail =
    typeof data === 'object' && data !== null ? (data as { detail?: unknown }).detail : undefined;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map(
        (issue: { msg?: unknown } | null) =>
          (typeof issue?.msg === 'string' && issue.msg) || 'Invalid request',
      )
      .join('; ');
  }
  return 'The request failed (HTTP ' + status + ').';
}

/** One API call: relative path, JSON in and out, the staff token if any. A 401 ends the stored session. */
async function api<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  let data: unknown;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
    data = await response.json().catch(() => null);
  } catch {
    return { ok: false, status: 0, data: null, detail: 'The server could not be reached. Please try again.' };
  }
  if (response.status === 401 && token) {
    forgetToken();
    showSignin('Your session has ended. Sign in again.');
  }
  return response.ok
    ? { ok: true, status: response.status, data: data as T, detail: null }
    : { ok: false, status: response.status, data, detail: detailOf(data, response.status) };
}

// ------------------------------------------------------------------------------------------ sign-in

function showSignin(message?: string) {
  show('signin');
  say(statusLine, message || 'Sign in to moderate submissions.');
  say($('signin-result'), '');
}

button('signin-send').addEventListener('click', () => {
  void (async () => {
    const email = input('signin-email').value.trim();
    if (!email) {
      say($('signin-result'), 'Enter your email address.');
      return;
    }
    button('signin-send').disabled = true;
    say($('signin-result'), 'Please wait...');
    const result = await api('POST', 'staff/login', { email });
    button('signin-send').disabled = false;
    say(
      $('signin-result'),
      result.ok ? 'If this address belongs to a staff user, a sign-in link is on its way.' : result.detail,
    );
  })();
});

button('signout').addEventListener('click', () => {
  void (async () => {
    button('signout').disabled = true;
    if (token) await api('POST', 'staff/logout');
    button('signout').disabled = false;
    forgetToken();
    showSignin('You are signed out.');
  })();
});

// ------------------------------------------------------------------------------------------ permissions

const permissions = (): Permissions => me?.permissions || { network: [], sites: {} };
const networkReader = () => permissions().network.length > 0;
const siteRoles = (site: string) => permissions().sites[site] || [];
const canModerate = (site: string) => siteRoles(site).includes('moderate');
const scopeText = () => {
  const parts = permissions().network.map((role) => 'network: ' + role);
  for (const [site, roles] of Object.entries(permissions().sites))
    parts.push(site + ': ' + (roles ?? []).join(', '));
  return parts.join('; ') || 'no permissions';
};

function fillSites() {
  const select = $('site', HTMLSelectElement);
  select.replaceChildren();
  for (const site of Object.keys(permissions().sites).sort()) {
    const option = document.createElement('option');
    option.value = site;
    option.textContent = site;
    select.append(option);
  }
  select.hidden = select.options.length === 0;
  $('site-other-label').hidden = !networkReader();
}

const chosenSite = () =>
  (input('site-other').value.trim() || $('site', HTMLSelectElement).value || '').toLowerCase();

// ------------------------------------------------------------------------------------------ queue

function showQueue() {
  show('session', 'queue');
  current = null;
  if (!networkReader() && Object.keys(permissions().sites).length === 0) {
    say(statusLine, 'Your permissions do not include reading submissions.');
    button('queue-load').disabled = true;
    return;
  }
  button('queue-load').disabled = false;
  say(statusLine, 'Choose a site and a status.');
}

async function loadQueue(more: boolean) {
  const site = chosenSite();
  if (!site) {
    say($('queue-result'), 'Choose a site.');
    return;
  }
  if (!more) {
    queueCursor = null;
    $('queue-rows').replaceChildren();
    $('queue-table').hidden = true;
  }
  const query = new URLSearchParams({
    site,
    status: $('queue-status', HTMLSelectElement).value,
    limit: String(PAGE_SIZE),
  });
  if (more && queueCursor) query.set('cursor', queueCursor);
  button('queue-load').disabled = true;
  button('queue-more').disabled = true;
  say($('queue-result'), 'Loading...');
  const result = await api<QueuePage>('GET', 'moderation/queue?' + query.toString());
  button('queue-load').disabled = false;
  button('queue-more').disabled = false;
  if (!result.ok) {
    if (result.status !== 401) say($('queue-result'), result.detail);
    return;
  }
  for (const item of result.data.items) $('queue-rows').append(queueRow(item));
  queueCursor = result.data.cursor;
  $('queue-more').hidden = !queueCursor;
  const rows = $('queue-rows').children.length;
  $('queue-table').hidden = rows === 0;
  say(
    $('queue-result'),
    rows === 0 ? 'No submissions.' : rows + (rows === 1 ? ' submission' : ' submissions') + ', oldest first.',
  );
}

function queueRow(item: QueueItem) {
  const row = document.createElement('tr');
  for (const text of [when(item.createdAt), item.type, item.targetName, item.submitter.name]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  const cell = document.createElement('td');
  const open = document.createElement('button');
  open.type = 'button';
  open.textContent = 'Open';
  open.addEventListener('click', () => {
    history.pushState(null, '', location.pathname + '?submission=' + encodeURIComponent(item.id));
    void openSubmission(item.id);
  });
  cell.append(open);
  row.append(cell);
  return row;
}

button('queue-load').addEventListener('click', () => void loadQueue(false));
button('queue-more').addEventListener('click', () => void loadQueue(true));
button('back').addEventListener('click', () => {
  history.pushState(null, '', location.pathname);
  showQueue();
});

// ------------------------------------------------------------------------------------------ one submission

function addDetail(list: HTMLElement, label: string, value: string | number | null | undefined) {
  if (value === null || value === undefined || value === '') return;
  const term = document.createElement('dt');
  term.textContent = label;
  const description = document.createElement('dd');
  description.textContent = String(value);
  list.append(term, description);
}

const typeNames: Record<string, string | undefined> = {
  message: 'Message',
  show: 'Show story',
  bio: 'Biography',
};
const outcomeNames: Record<string, string | undefined> = {
  approve: 'approved',
  reject: 'rejected',
  expire: 'expired',
  withdraw: 'withdrawn',
};
const staffName = (id: string | null | undefined) =>
  !id
    ? ''
    : me && id === me.id
      ? 'you'
      : id === 'submitter'
        ? 'the submitter'
        : id === 'workflow'
          ? 'nobody (it expired)'
          : 'staff user ' + id;

function renderSubmission(item: Submission) {
  current = item;
  const details = $('submission-details');
  details.replaceChildren();
  addDetail(details, 'Type', typeNames[item.type] || item.type);
  addDetail(details, 'Site', item.site);
  addDetail(details, 'About', item.targetName + ' (' + item.targetType + ')');
  // As text, not a link: a moderator copies it deliberately.
  addDetail(details, 'Page', item.targetUrl);
  addDetail(details, 'Subject', item.subject);
  if (item.show) {
    addDetail(details, 'Show', item.show.title + ' (' + item.show.year + ')');
    addDetail(details, 'Venue', item.show.venue);
    addDetail(details, 'Role', item.show.role);
  }
  if (item.bio) {
    addDetail(details, 'Biography of', item.bio.fullName);
    addDetail(details, 'Year of graduation', item.bio.yearOfGraduation);
    addDetail(details, 'Course', item.bio.course);
    addDetail(details, 'Links', (item.bio.links || []).join('\n'));
  }
  addDetail(
    details,
    'From',
    item.submitter.name +
      (item.submitter.verified ? ' (verified member ' + item.submitter.id + ')' : ' (not verified)'),
  );
  addDetail(details, 'Sent', when(item.createdAt));
  addDetail(details, 'Status', item.status);
  addDetail(details, 'Decided', when(item.decidedAt));
  addDetail(details, 'Reason', item.reason);
  $('submission-text-title').textContent = item.type === 'bio' ? 'Biography' : 'Message';
  $('submission-text').textContent = item.message === null ? '' : item.message;
  renderReview(item.review);

  const pending = item.status === 'pending';
  const moderator = canModerate(item.site);
  $('actions').hidden = !(pending && moderator);
  const note = $('actions-note');
  note.hidden = !pending || moderator;
  say(note, 'You can read but not decide submissions of the ' + item.site + ' site.');
}

function renderReview(review: Review | null | undefined) {
  const list = $('review-details');
  list.replaceChildren();
  if (!review) return;
  addDetail(list, 'Round', review.round === 0 ? 'first' : 'reminder ' + review.round);
  const claimed = review.claimedBy && review.claimedUntil && Date.parse(review.claimedUntil) > Date.now();
  addDetail(
    list,
    'Claimed by',
    claimed ? staffName(review.claimedBy) + ' until ' + when(review.claimedUntil) : 'nobody',
  );
  addDetail(list, 'Outcome', review.outcome ? outcomeNames[review.outcome] || review.outcome : 'not decided');
  addDetail(list, 'Decided by', staffName(review.decidedBy));
  addDetail(list, 'Decided at', when(review.decidedAt));
}

async function openSubmission(id: string) {
  show('session', 'submission');
  $('submission-details').replaceChildren();
  $('review-details').replaceChildren();
  $('submission-text').textContent = '';
  $('actions').hidden = true;
  $('actions-note').hidden = true;
  $('reason', HTMLTextAreaElement).value = '';
  say($('action-result'), '');
  say(statusLine, 'Loading the submission...');
  const result = await api<Submission>('GET', 'moderation/submissions/' + encodeURIComponent(id));
  if (!result.ok) {
    if (result.status !== 401) say(statusLine, result.detail);
    return;
  }
  say(statusLine, '');
  renderSubmission(result.data);
}

function setBusy(busy: boolean) {
  for (const id of ['claim', 'approve', 'reject']) button(id).disabled = busy;
}

button('claim').addEventListener('click', () => {
  void (async () => {
    if (!current) return;
    setBusy(true);
    say($('action-result'), 'Please wait...');
    const result = await api<{ review: Review }>(
      'POST',
      'moderation/submissions/' + encodeURIComponent(current.id) + '/claim',
    );
    setBusy(false);
    if (!result.ok) {
      if (result.status !== 401) say($('action-result'), result.detail);
      return;
    }
    current.review = result.data.review;
    renderReview(current.review);
    say($('action-result'), 'Claimed until ' + when(result.data.review.claimedUntil) + '.');
  })();
});

async function decide(decision: 'approve' | 'reject') {
  if (!current) return;
  const reason = $('reason', HTMLTextAreaElement).value.trim();
  if (decision === 'reject' && !reason) {
    say($('action-result'), 'Write a reason to reject: the submitter is told it.');
    $('reason').focus();
    return;
  }
  setBusy(true);
  say($('action-result'), 'Please wait...');
  const body = reason ? { decision, reason } : { decision };
  const result = await api<Submission>(
    'POST',
    'moderation/submissions/' + encodeURIComponent(current.id) + '/decision',
    body,
  );
  setBusy(false);
  if (!result.ok) {
    if (result.status !== 401) say($('action-result'), result.detail);
    return;
  }
  renderSubmission(result.data);
  say($('action-result'), 'Done: the submission is ' + result.data.status + '.');
}

button('approve').addEventListener('click', () => void decide('approve'));
button('reject').addEventListener('click', () => void decide('reject'));

// ------------------------------------------------------------------------------------------ start

async function start() {
  token = readToken();
  if (!token) {
    showSignin();
    return;
  }
  say(statusLine, 'Loading...');
  const result = await api<Me>('GET', 'staff/me');
  if (!result.ok) {
    if (result.status !== 401) say(statusLine, result.detail);
    return;
  }
  me = result.data;
  say($('staff-name'), me.name);
  say($('staff-scopes'), scopeText());
  fillSites();
  route();
}

function route() {
  if (!me) return;
  const id = new URLSearchParams(location.search).get('submission');
  if (id === null) showQueue();
  else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    void openSubmission(id);
  else {
    showQueue();
    say(statusLine, 'The address names no valid submission. Choose one from the queue.');
  }
}

window.addEventListener('popstate', route);
// Signing in (or out) in another tab of this browser takes effect here too.
window.addEventListener('storage', (event) => {
  if (event.key === STAFF_TOKEN_KEY && (event.newValue || null) !== token) void start();
});
void start();
