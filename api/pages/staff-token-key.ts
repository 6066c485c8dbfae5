/**
 * Where staff pages keep the staff session token: localStorage (shared by the origin's tabs, because emailed
 * moderation links open in new tabs). Read by the server (the sign-in page's settings) and by the browser scripts.
 */
export const STAFF_TOKEN_KEY = 'lumina.staffSessionToken';
