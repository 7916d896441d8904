/**
 * The user-info part of a URL (`scheme://user:token@host`): how edgecog finds credentials in
 * index URLs and requirements, and masks them in what it shows or puts in an image. One pattern,
 * so that what is detected and what is masked cannot drift apart. Pure.
 */

/** `scheme://` (group 1) then the user-info and its `@`; quotes end a URL written in text. */
const USER_INFO = String.raw`([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@`;

/** Whether any URL in the text carries credentials (a requirements file, a Dockerfile line). */
export function textHasUrlCredentials(text: string): boolean {
  return new RegExp(USER_INFO, 'i').test(text);
}

/** `scheme://user:token@host` → `scheme://***@host`, everywhere in the text. */
export function maskUrlUserInfo(text: string): string {
  return text.replace(new RegExp(USER_INFO, 'gi'), '$1***@');
}

/** Whether one URL (an index URL setting) has a user name or password. */
export function urlHasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return new RegExp(`^${USER_INFO}`, 'i').test(url);
  }
}
