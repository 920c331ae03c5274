import type { z } from "zod";
import type { Actor, Permission } from "./auth/policy";
import { can } from "./auth/policy";
import { type Db, isTransactionConflict } from "./db";
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from "./errors";
import { Prisma } from "./generated/prisma/client";
import { metrics } from "./observability/metrics";
import { hasControlCharacters } from "./validation";

export type RequestMeta = {
  ip: string | null;
  userAgent: string | null;
  /** The API key a request was made with (lib/api); the audit log records it with every change. */
  apiKeyId?: string | null;
};
export type CommandContext = {
  db: Db;
  actor: Actor | null;
  meta: RequestMeta;
  /** When the actor last signed in (proved who they are), for actions that need a recent sign-in. */
  authenticatedAt?: Date | null;
  /** The actor's session (UserSession row), so a change can end their other sessions but this one. */
  sessionId?: string | null;
  /** A staff member who must set up two-factor authentication first: only setup commands may run. */
  twoFactorDue?: boolean;
};
export type AuthorizedContext = CommandContext & { actor: Actor };

/**
 * A state-changing operation: who may run it, what input it takes, and what it does. Server actions, tests and
 * scripts all run commands through `executeCommand`, so the permission check and validation cannot be skipped.
 */
export type Command<Schema extends z.ZodType, Result> = {
  name: string;
  permission: Permission;
  input: Schema;
  /** May run before the actor has set up the two-factor authentication they are required to use. */
  duringTwoFactorSetup?: boolean;
  run(ctx: AuthorizedContext, input: z.output<Schema>): Promise<Result>;
};

export function defineCommand<Schema extends z.ZodType, Result>(command: Command<Schema, Result>) {
  return command;
}

export type FieldErrors = Record<string, string[]>;
export type CommandFailure = {
  ok: false;
  /**
   * "busy": the database could not take the change in time (an overload); trying again later can succeed.
   * "two-factor-due": the user must finish setting up two-factor authentication first.
   */
  reason: "invalid" | "conflict" | "forbidden" | "unauthenticated" | "not-found" | "busy" | "two-factor-due";
  formError?: string;
  fieldErrors?: FieldErrors;
};
export type CommandResult<Result> = { ok: true; value: Result } | CommandFailure;

export async function executeCommand<Schema extends z.ZodType, Result>(
  command: Command<Schema, Result>,
  ctx: CommandContext,
  rawInput: unknown,
): Promise<CommandResult<Result>> {
  if (!ctx.actor) return { ok: false, reason: "unauthenticated", formError: "Please sign in." };
  if (ctx.twoFactorDue && !command.duringTwoFactorSetup) {
    return { ok: false, reason: "two-factor-due", formError: "Set up two-factor authentication first." };
  }
  if (!can(ctx.actor, command.permission)) {
    return { ok: false, reason: "forbidden", formError: "You do not have permission to do that." };
  }
  const unreadable = fieldsWithControlCharacters(rawInput);
  if (unreadable.length > 0) {
    return {
      ok: false,
      reason: "invalid",
      formError: "Please correct the highlighted fields.",
      fieldErrors: Object.fromEntries(unreadable.map((field) => [field, [CONTROL_CHARACTERS_MESSAGE]])),
    };
  }
  const parsed = command.input.safeParse(rawInput);
  if (!parsed.success) {
    return {
      ok: false,
      reason: "invalid",
      formError: "Please correct the highlighted fields.",
      fieldErrors: fieldErrorsOf(parsed.error),
    };
  }
  const timer = metrics().commandDuration.startTimer({ command: command.name });
  try {
    const value = await command.run({ ...ctx, actor: ctx.actor }, parsed.data);
    timer({ outcome: "ok" });
    return { ok: true, value };
  } catch (error) {
    const failure = expectedFailure(error);
    timer({ outcome: failure?.reason ?? "error" });
    if (failure) return failure;
    throw error;
  }
}

const CONTROL_CHARACTERS_MESSAGE = "Remove the invisible control characters (such as NUL) from this field.";

/**
 * Top-level input fields holding a NUL or another control character (line breaks and tabs aside), wherever they are
 * nested. Checked before any schema, for every command: such text cannot be stored (PostgreSQL refuses NUL) and
 * must never reach the database as a query parameter either, whatever a command's schema says about the field.
 */
function fieldsWithControlCharacters(input: unknown): string[] {
  const contains = (value: unknown): boolean =>
    typeof value === "string"
      ? hasControlCharacters(value, { multiline: true })
      : Array.isArray(value)
        ? value.some(contains)
        : typeof value === "object" && value !== null && Object.values(value).some(contains);
  if (typeof input !== "object" || input === null) return contains(input) ? ["_form"] : [];
  return Object.entries(input)
    .filter(([, value]) => contains(value))
    .map(([field]) => field);
}

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    // Forms show errors per field: an issue inside a list field (one of several DIDs) belongs to the field.
    const key = issue.path.length ? String(issue.path[0]) : "_form";
    errors[key] = [...(errors[key] ?? []), issue.message];
  }
  return errors;
}

function expectedFailure(error: unknown): CommandFailure | null {
  if (error instanceof ConflictError) {
    return {
      ok: false,
      reason: "conflict",
      formError: error.message,
      fieldErrors: error.field ? { [error.field]: [error.message] } : undefined,
    };
  }
  if (error instanceof NotFoundError) return { ok: false, reason: "not-found", formError: error.message };
  if (error instanceof ForbiddenError) return { ok: false, reason: "forbidden", formError: error.message };
  if (error instanceof UnauthenticatedError) return { ok: false, reason: "unauthenticated", formError: error.message };
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    return { ok: false, reason: "conflict", formError: "That value is already in use." };
  }
  return transientFailure(error);
}

/** Failures caused by concurrent work or load rather than by the input: the user can simply try again. */
function transientFailure(error: unknown): CommandFailure | null {
  if (isTransactionConflict(error)) {
    return { ok: false, reason: "conflict", formError: "Someone changed this at the same moment. Please try again." };
  }
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return null;
  // A record the change relied on was changed or removed between reading and writing it.
  if (error.code === "P2025") {
    return { ok: false, reason: "conflict", formError: "This changed while you were working. Reload and try again." };
  }
  // No connection became free in time, or the transaction ran past its time limit.
  if (error.code === "P2028") {
    return { ok: false, reason: "busy", formError: "The portal is very busy right now. Please try again in a minute." };
  }
  return null;
}
