/**
 * The few HTML pages the API serves: the pages emailed links open (`/auth`, `/contact/confirm`, `/contact/report`,
 * `/staff/signin`, `/staff/accept`, `/moderation`).
 * Mail scanners fetch links before people do, so opening a page must change nothing: only a button's POST acts.
 * A page inserts no request data into its HTML (its script reads the token from the address and writes results with
 * textContent only), loads nothing from elsewhere, and its CSP allows exactly its own inline style and script (by
 * hash) and requests to this origin.
 */
import { createHash } from 'node:crypto';

export interface HtmlPage {
  html: string;
  headers: Record<string, string>;
}

const pageStyle = `
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
button { font: inherit; padding: 0.5rem 1.5rem; cursor: pointer; }
dt { font-weight: 600; margin-top: 0.5rem; }
dd { margin: 0; font-family: ui-monospace, monospace; }
`;

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * A static page of `body` (trusted markup written in code, never request data) and one inline `script`, served
 * with the headers that go with it; `style` (also code) is added to the common style sheet. Build it once, at
 * module load: the CSP carries the hashes of the script and the style sheet.
 */
export function htmlPage(options: { title: string; body: string; script: string; style?: string }): HtmlPage {
  const style = pageStyle + (options.style ?? '');
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>${options.title}</title>
    <style>${style}</style>
  </head>
  <body>
    <main>
      <h1>New Theatre alumni</h1>
${options.body}
    </main>
    <script>${options.script}</script>
  </body>
</html>
`;
  const headers = {
    'content-security-policy': [
      "default-src 'none'",
      `script-src ${cspHash(options.script)}`,
      `style-src ${cspHash(style)}`,
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
  return { html, headers };
}

/** What a page shows after a link made a session: where it keeps the token, and which answer fields it lists. */
export interface SessionResult {
  /** Storage key for the answer's `sessionToken`. */
  storageKey: string;
  /**
   * Where the token is kept: `session` (the default; members) is this tab only; `local` (staff) is shared by the
   * origin's tabs, because staff open emailed moderation links in new tabs.
   */
  storage?: 'local' | 'session';
  /** A link shown after success (relative to the page, written by the script; a constant of the code). */
  next?: { label: string; href: string };
  /** Shown after success instead of the answer's `detail`. */
  done: string;
  /** Answer fields to list: a date is shown in local time, a list joined. */
  details: { label: string; field: string; kind?: 'text' | 'date' | 'list' }[];
}

/**
 * A page whose one button POSTs `{"token"}` from the address to `endpoint` (relative; the page's own path by
 * default) and shows the outcome: every emailed link's page (member sign-in, relay confirm and report, staff
 * sign-in and invitation). A GET never acts, because mail scanners fetch links. The texts are constants of the
 * code, never request data.
 */
export function tokenActionPage(options: {
  title: string;
  /** Shown with the button, e.g. "Press Confirm to send your message." */
  prompt: string;
  button: string;
  endpoint?: string;
  session?: SessionResult;
}): HtmlPage {
  const settings = {
    prompt: options.prompt,
    endpoint: options.endpoint ?? null,
    session: options.session ?? null,
  };
  const script = `
(() => {
  const settings = ${JSON.stringify(settings)};
  const token = new URLSearchParams(location.search).get('token');
  // The token is a credential: keep it out of the address bar and the history once read.
  if (location.search) history.replaceState(null, '', location.pathname);
  const status = document.getElementById('status');
  const button = document.getElementById('action');
  if (!token) {
    status.textContent = 'This page has no link token. Open the link from your email again.';
    return;
  }
  status.textContent = settings.prompt;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Please wait...';
    let response;
    let body = null;
    try {
      response = await fetch(settings.endpoint || location.pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
        credentials: 'omit',
      });
      body = await response.json().catch(() => null);
    } catch {
      status.textContent = 'The server could not be reached. Please try again.';
      button.disabled = false;
      return;
    }
    const detail = body && typeof body.detail === 'string' ? body.detail : null;
    if (!response.ok) {
      status.textContent = detail || 'The link could not be used.';
      // Only a temporary failure is worth another press; a used or expired link stays used or expired.
      button.disabled = response.status < 500;
      return;
    }
    button.hidden = true;
    const session = settings.session;
    if (!session) {
      status.textContent = detail || 'Done.';
      return;
    }
    try {
      const storage = session.storage === 'local' ? localStorage : sessionStorage;
      storage.setItem(session.storageKey, body.sessionToken);
    } catch {
      // Storage can be disabled; the session still exists.
    }
    status.textContent = session.done;
    const list = document.getElementById('result');
    if (session.next) {
      const link = document.createElement('a');
      link.href = session.next.href;
      link.textContent = session.next.label;
      const paragraph = document.createElement('p');
      paragraph.append(link);
      list.after(paragraph);
    }
    for (const item of session.details) {
      const value = body[item.field];
      const term = document.createElement('dt');
      term.textContent = item.label;
      const description = document.createElement('dd');
      description.textContent =
        item.kind === 'date' ? new Date(value).toLocaleString()
        : item.kind === 'list' ? (value || []).join(', ') || 'none'
        : String(value);
      list.append(term, description);
    }
    list.hidden = false;
  });
})();
`;
  return htmlPage({
    title: options.title,
    body: `      <p id="status" role="status">This page needs JavaScript to use the link.</p>
      <button id="action" type="button" hidden>${options.button}</button>
      <dl id="result" hidden></dl>`,
    script,
  });
}
