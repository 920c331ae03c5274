import { z } from "zod";
import type { CommandFailure, FieldErrors } from "../commands";

/**
 * Errors as RFC 9457 problem details (`application/problem+json`). `type` is a relative URI naming the kind of
 * problem; `errors` lists what was wrong with which field, as the forms show it inline.
 */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const problemSchema = z
  .object({
    type: z.string().meta({ description: "The kind of problem, e.g. /api/v1/problems/invalid-input." }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z
      .array(
        z.object({
          field: z.string().meta({ description: 'The input field, or "_form" for the request as a whole.' }),
          pointer: z.string().meta({ description: "JSON Pointer to the field in the request body or query." }),
          detail: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details." });

export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Content too large",
  415: "Unsupported media type",
  422: "Invalid input",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    detail: string,
    readonly fieldErrors?: FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ApiProblem";
  }

  get body(): Problem {
    return {
      type: `/api/v1/problems/${this.slug}`,
      title: TITLES[this.status] ?? "Error",
      status: this.status,
      detail: this.message,
      ...(this.fieldErrors ? { errors: errorList(this.fieldErrors) } : {}),
    };
  }
}

function errorList(fieldErrors: FieldErrors) {
  return Object.entries(fieldErrors).flatMap(([field, messages]) =>
    messages.map((detail) => ({ field, pointer: field === "_form" ? "" : `/${field}`, detail })),
  );
}

/** The HTTP answer to a command that did not run: the same reasons the forms show, as statuses. */
export function commandProblem(failure: CommandFailure): ApiProblem {
  const detail = failure.formError ?? "The request failed.";
  switch (failure.reason) {
    case "invalid":
      return new ApiProblem(422, "invalid-input", detail, failure.fieldErrors ?? {});
    case "not-found":
      return new ApiProblem(404, "not-found", detail);
    case "conflict":
      return new ApiProblem(409, "conflict", detail, failure.fieldErrors);
    case "busy":
      return new ApiProblem(503, "busy", detail, undefined, { "Retry-After": "60" });
    case "forbidden":
    case "two-factor-due":
      return new ApiProblem(403, "forbidden", detail);
    case "unauthenticated":
      return new ApiProblem(401, "unauthenticated", detail);
  }
}
