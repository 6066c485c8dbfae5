/**
 * The moderation page (`GET /moderation`, `?submission=<id>` for one submission: the link moderation emails carry).
 * Staff sign in by emailed link (the token is kept in localStorage under `lumina.staffSessionToken`, shared with the
 * staff sign-in page, because emailed links open in new tabs), read a site's queue, open a submission, claim it and
 * approve or reject it.
 *
 * Like every page of this API (api/pages.ts): static markup, no request data in the HTML, every dynamic text written
 * with `textContent`, one inline script and style allowed by hash, requests to this origin only. Opening the page
 * only reads (GET); only its buttons act (POST with the staff session). Every API URL is relative to the page
 * (`moderation/queue`, `staff/me`, ...), so it also works under an API Gateway stage.
 *
 * Sites: the selector lists the sites of the user's site permissions (`moderate` or `admin`). The configured sites
 * are not exposed by any route, so a user with `network:read` or `network:admin` also gets a text field for any
 * other site's name (the queue answers 422 for a site that is not configured).
 */
import { htmlPage } from './pages.js';

export const STAFF_TOKEN_KEY = 'lumina.staffSessionToken';

const QUEUE_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'withdrawn'] as const;

const style = `
body { max-width: 52rem; }
h2 { margin-top: 2rem; }
label { display: inline-block; margin: 0.25rem 1rem 0.25rem 0; }
input, select, textarea { font: inherit; padding: 0.25rem; }
textarea { width: 100%; box-sizing: border-box; min-height: 5rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td button { padding: 0.2rem 0.8rem; }
dd { font-family: inherit; white-space: pre-wrap; overflow-wrap: anywhere; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; border-left: 3px solid #ccc; padding-left: 0.75rem; }
.actions button { margin: 0.5rem 0.5rem 0.5rem 0; }
.note { color: #555; }
`;

const statusOptions = QUEUE_STATUSES.map(
  (status) => `<option value="${status}"${status === 'pending' ? ' selected' : ''}>${status}</option>`,
).join('');

const body = `      <p id="status" role="status">This page needs JavaScript.</p>
      <section id="signin" hidden>
        <h2>Sign in</h2>
        <p>Staff sign in with a link sent by email. Open it in this browser, press Sign in, then come back here.</p>
        <label for="signin-email">Email</label>
        <input id="signin-email" type="email" autocomplete="email" size="30" />
        <button id="signin-send" type="button">Email me a sign-in link</button>
        <p id="signin-result" role="status"></p>
      </section>
      <section id="session" hidden>
        <p>
          Signed in as <strong id="staff-name"></strong> (<span id="staff-scopes"></span>)
          <button id="signout" type="button">Sign out</button>
        </p>
      </section>
      <section id="queue" hidden>
        <h2>Queue</h2>
        <label>Site <select id="site"></select></label>
        <label id="site-other-label" hidden>Other site <input id="site-other" size="12" /></label>
        <label>Status <select id="queue-status">${statusOptions}</select></label>
        <button id="queue-load" type="button">Show</button>
        <p id="queue-result" role="status"></p>
        <table id="queue-table" hidden>
          <thead><tr><th>Sent</th><th>Type</th><th>About</th><th>From</th><th></th></tr></thead>
          <tbody id="queue-rows"></tbody>
        </table>
        <button id="queue-more" type="button" hidden>More</button>
      </section>
      <section id="submission" hidden>
        <h2>Submission</h2>
        <button id="back" type="button">Back to the queue</button>
        <dl id="submission-details"></dl>
        <h3 id="submission-text-title">Message</h3>
        <p id="submission-text" class="text"></p>
        <h3>Review</h3>
        <dl id="review-details"></dl>
        <div id="actions" class="actions" hidden>
          <button id="claim" type="button">Claim</button>
          <span class="note">Claiming keeps other moderators from deciding it while you look at it.</span>
          <p>
            <label for="reason">Reason (required to reject; the submitter is told it)</label>
            <textarea id="reason" maxlength="1000"></textarea>
          </p>
          <button id="approve" type="button">Approve</button>
          <button id="reject" type="button">Reject</button>
        </div>
        <p id="actions-note" class="note" hidden></p>
        <p id="action-result" role="status"></p>
      </section>`;

// Plain JavaScript for the browser, kept free of `${` and backticks so it can live in this template literal.
const script = `
(() => {
  const KEY = ${JSON.stringify(STAFF_TOKEN_KEY)};
  const PAGE_SIZE = 25;
  const $ = (id) => document.getElementById(id);
  const sections = ['signin', 'session', 'queue', 'submission'];
  const statusLine = $('status');
  let token = null;
  let me = null;
  let queueCursor = null;
  let current = null;

  const readToken = () => { try { return localStorage.getItem(KEY); } catch { return null; } };
  const forgetToken = () => { token = null; me = null; try { localStorage.removeItem(KEY); } catch { /* disabled */ } };
  const say = (element, text) => { element.textContent = text || ''; };
  const show = (...visible) => { for (const id of sections) $(id).hidden = !visible.includes(id); };
  const when = (value) => (value ? new Date(value).toLocaleString() : '');

  function detailOf(data, status) {
    if (data && typeof data.detail === 'string') return data.detail;
    if (data && Array.isArray(data.detail)) {
      return data.detail.map((issue) => (issue && issue.msg) || 'Invalid request').join('; ');
    }
    return 'The request failed (HTTP ' + status + ').';
  }

  /** One API call: relative path, JSON in and out, the staff token if any. A 401 ends the stored session. */
  async function api(method, path, body) {
    const headers = {};
    if (token) headers.authorization = 'Bearer ' + token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    let data = null;
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
    return { ok: response.ok, status: response.status, data, detail: response.ok ? null : detailOf(data, response.status) };
  }

  // ------------------------------------------------------------------------------------------ sign-in

  function showSignin(message) {
    show('signin');
    say(statusLine, message || 'Sign in to moderate submissions.');
    say($('signin-result'), '');
  }

  $('signin-send').addEventListener('click', async () => {
    const email = $('signin-email').value.trim();
    if (!email) {
      say($('signin-result'), 'Enter your email address.');
      return;
    }
    $('signin-send').disabled = true;
    say($('signin-result'), 'Please wait...');
    const result = await api('POST', 'staff/login', { email });
    $('signin-send').disabled = false;
    say(
      $('signin-result'),
      result.ok ? 'If this address belongs to a staff user, a sign-in link is on its way.' : result.detail,
    );
  });

  $('signout').addEventListener('click', async () => {
    $('signout').disabled = true;
    if (token) await api('POST', 'staff/logout');
    $('signout').disabled = false;
    forgetToken();
    showSignin('You are signed out.');
  });

  // ------------------------------------------------------------------------------------------ permissions

  const permissions = () => (me && me.permissions) || { network: [], sites: {} };
  const networkReader = () => permissions().network.length > 0;
  const siteRoles = (site) => permissions().sites[site] || [];
  const canModerate = (site) => siteRoles(site).includes('moderate');
  const scopeText = () => {
    const parts = permissions().network.map((role) => 'network: ' + role);
    for (const [site, roles] of Object.entries(permissions().sites)) parts.push(site + ': ' + roles.join(', '));
    return parts.join('; ') || 'no permissions';
  };

  function fillSites() {
    const select = $('site');
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

  const chosenSite = () => ($('site-other').value.trim() || $('site').value || '').toLowerCase();

  // ------------------------------------------------------------------------------------------ queue

  function showQueue() {
    show('session', 'queue');
    current = null;
    if (!networkReader() && Object.keys(permissions().sites).length === 0) {
      say(statusLine, 'Your permissions do not include reading submissions.');
      $('queue-load').disabled = true;
      return;
    }
    $('queue-load').disabled = false;
    say(statusLine, 'Choose a site and a status.');
  }

  async function loadQueue(more) {
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
    const query = new URLSearchParams({ site, status: $('queue-status').value, limit: String(PAGE_SIZE) });
    if (more && queueCursor) query.set('cursor', queueCursor);
    $('queue-load').disabled = true;
    $('queue-more').disabled = true;
    say($('queue-result'), 'Loading...');
    const result = await api('GET', 'moderation/queue?' + query.toString());
    $('queue-load').disabled = false;
    $('queue-more').disabled = false;
    if (!result.ok) {
      if (result.status !== 401) say($('queue-result'), result.detail);
      return;
    }
    for (const item of result.data.items) $('queue-rows').append(queueRow(item));
    queueCursor = result.data.cursor;
    $('queue-more').hidden = !queueCursor;
    const rows = $('queue-rows').children.length;
    $('queue-table').hidden = rows === 0;
    say($('queue-result'), rows === 0 ? 'No submissions.' : rows + (rows === 1 ? ' submission' : ' submissions') + ', oldest first.');
  }

  function queueRow(item) {
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

  $('queue-load').addEventListener('click', () => void loadQueue(false));
  $('queue-more').addEventListener('click', () => void loadQueue(true));
  $('back').addEventListener('click', () => {
    history.pushState(null, '', location.pathname);
    showQueue();
  });

  // ------------------------------------------------------------------------------------------ one submission

  function addDetail(list, label, value) {
    if (value === null || value === undefined || value === '') return;
    const term = document.createElement('dt');
    term.textContent = label;
    const description = document.createElement('dd');
    description.textContent = String(value);
    list.append(term, description);
  }

  const typeNames = { message: 'Message', show: 'Show story', bio: 'Biography' };
  const outcomeNames = { approve: 'approved', reject: 'rejected', expire: 'expired', withdraw: 'withdrawn' };
  const staffName = (id) => (!id ? '' : me && id === me.id ? 'you' : id === 'submitter' ? 'the submitter' : id === 'workflow' ? 'nobody (it expired)' : 'staff user ' + id);

  function renderSubmission(item) {
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
      addDetail(details, 'Links', (item.bio.links || []).join('\\n'));
    }
    addDetail(
      details,
      'From',
      item.submitter.name + (item.submitter.verified ? ' (verified member ' + item.submitter.id + ')' : ' (not verified)'),
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

  function renderReview(review) {
    const list = $('review-details');
    list.replaceChildren();
    if (!review) return;
    addDetail(list, 'Round', review.round === 0 ? 'first' : 'reminder ' + review.round);
    const claimed = review.claimedBy && review.claimedUntil && Date.parse(review.claimedUntil) > Date.now();
    addDetail(list, 'Claimed by', claimed ? staffName(review.claimedBy) + ' until ' + when(review.claimedUntil) : 'nobody');
    addDetail(list, 'Outcome', review.outcome ? outcomeNames[review.outcome] || review.outcome : 'not decided');
    addDetail(list, 'Decided by', staffName(review.decidedBy));
    addDetail(list, 'Decided at', when(review.decidedAt));
  }

  async function openSubmission(id) {
    show('session', 'submission');
    $('submission-details').replaceChildren();
    $('review-details').replaceChildren();
    $('submission-text').textContent = '';
    $('actions').hidden = true;
    $('actions-note').hidden = true;
    $('reason').value = '';
    say($('action-result'), '');
    say(statusLine, 'Loading the submission...');
    const result = await api('GET', 'moderation/submissions/' + encodeURIComponent(id));
    if (!result.ok) {
      if (result.status !== 401) say(statusLine, result.detail);
      return;
    }
    say(statusLine, '');
    renderSubmission(result.data);
  }

  function setBusy(busy) {
    for (const id of ['claim', 'approve', 'reject']) $(id).disabled = busy;
  }

  $('claim').addEventListener('click', async () => {
    if (!current) return;
    setBusy(true);
    say($('action-result'), 'Please wait...');
    const result = await api('POST', 'moderation/submissions/' + encodeURIComponent(current.id) + '/claim');
    setBusy(false);
    if (!result.ok) {
      if (result.status !== 401) say($('action-result'), result.detail);
      return;
    }
    current.review = result.data.review;
    renderReview(current.review);
    say($('action-result'), 'Claimed until ' + when(result.data.review.claimedUntil) + '.');
  });

  async function decide(decision) {
    if (!current) return;
    const reason = $('reason').value.trim();
    if (decision === 'reject' && !reason) {
      say($('action-result'), 'Write a reason to reject: the submitter is told it.');
      $('reason').focus();
      return;
    }
    setBusy(true);
    say($('action-result'), 'Please wait...');
    const body = reason ? { decision, reason } : { decision };
    const result = await api('POST', 'moderation/submissions/' + encodeURIComponent(current.id) + '/decision', body);
    setBusy(false);
    if (!result.ok) {
      if (result.status !== 401) say($('action-result'), result.detail);
      return;
    }
    renderSubmission(result.data);
    say($('action-result'), 'Done: the submission is ' + result.data.status + '.');
  }

  $('approve').addEventListener('click', () => void decide('approve'));
  $('reject').addEventListener('click', () => void decide('reject'));

  // ------------------------------------------------------------------------------------------ start

  async function start() {
    token = readToken();
    if (!token) {
      showSignin();
      return;
    }
    say(statusLine, 'Loading...');
    const result = await api('GET', 'staff/me');
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
    else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) void openSubmission(id);
    else {
      showQueue();
      say(statusLine, 'The address names no valid submission. Choose one from the queue.');
    }
  }

  window.addEventListener('popstate', route);
  // Signing in (or out) in another tab of this browser takes effect here too.
  window.addEventListener('storage', (event) => {
    if (event.key === KEY && (event.newValue || null) !== token) void start();
  });
  void start();
})();
`;

export const moderationPage = htmlPage({
  title: 'New Theatre alumni: moderation',
  body: `      <h2>Moderation</h2>\n${body}`,
  script,
  style,
});
