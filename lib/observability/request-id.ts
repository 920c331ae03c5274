/** The header that carries a request's id: kept when a proxy in front already set a sane one, made up otherwise. */
export const REQUEST_ID_HEADER = "x-request-id";
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The id of this request: the incoming one if it looks like an id (never hostile text in the logs), else a new one. */
export function requestIdFor(incoming: string | null): string {
  return incoming && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}
