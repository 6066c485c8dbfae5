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
 * The script is api/pages/browser/moderation.ts (TypeScript for the browser), bundled into
 * api/pages/scripts.generated.ts by `npm run build:pages`.
 *
 * Sites: the selector lists the sites of the user's site permissions (`moderate` or `admin`). The configured sites
 * are not exposed by any route, so a user with `network:read` or `network:admin` also gets a text field for any
 * other site's name (the queue answers 422 for a site that is not configured).
 */
import { htmlPage } from './pages.js';
import { moderationScript } from './pages/scripts.generated.js';

export { STAFF_TOKEN_KEY } from './pages/staff-token-key.js';

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

export const moderationPage = htmlPage({
  title: 'New Theatre alumni: moderation',
  body: `      <h2>Moderation</h2>\n${body}`,
  script: moderationScript,
  style,
});
