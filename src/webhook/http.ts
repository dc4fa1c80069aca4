/** Transport-free HTTP shapes shared by the Lambda entry points and `car-reaper serve`. */

/**
 * Request headers as node:http (`IncomingHttpHeaders`) or API Gateway give
 * them; names are matched case-insensitively.
 */
export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What a handler answers; `body` is serialised as JSON by the transport. */
export interface HandlerResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Looks a header up whatever its case; a repeated header yields its first value. */
export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

/** An error answer: `{ "error": message }`. */
export const errorResponse = (status: number, message: string): HandlerResponse => ({
  status,
  body: { error: message },
});
