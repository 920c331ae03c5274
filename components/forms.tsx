"use client";

import { createContext, type ReactNode, useActionState, useContext, useId } from "react";
import { useFormStatus } from "react-dom";
import type { FormState } from "@/lib/actions";
import { Alert } from "./ui/alert";
import { buttonVariants } from "./ui/button";
import { cn } from "./ui/cn";
import { inputClass, labelClass } from "./ui/input";

const fieldErrorClass = "mt-1 text-sm text-danger";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

const FormStateContext = createContext<FormState>({});

/**
 * A plain HTML form bound to a server action. It works without JavaScript, and with it shows field errors inline
 * and keeps what the user typed when the server rejects it.
 */
export function ActionForm({
  action,
  children,
  className = "space-y-4",
  confirm,
  "aria-label": ariaLabel,
}: {
  action: Action;
  children: ReactNode;
  className?: string;
  /** Asks before submitting, for destructive actions. */
  confirm?: string;
  "aria-label"?: string;
}) {
  const [state, formAction] = useActionState(action, {});
  return (
    <FormStateContext.Provider value={state}>
      <form
        action={formAction}
        className={className}
        aria-label={ariaLabel}
        noValidate
        onSubmit={(event) => {
          if (confirm && !window.confirm(confirm)) event.preventDefault();
        }}
      >
        {state.formError ? (
          <Alert tone="danger" role="alert">
            {state.formError}
          </Alert>
        ) : null}
        {state.ok && state.message ? (
          <Alert tone="success" role="status">
            {state.message}
          </Alert>
        ) : null}
        {children}
      </form>
    </FormStateContext.Provider>
  );
}

export const useFormState = () => useContext(FormStateContext);

function useField(name: string, defaultValue?: string | string[] | null) {
  const state = useFormState();
  const id = useId();
  const errors = state.fieldErrors?.[name];
  const echoed = state.values?.[name];
  return {
    id,
    errorId: `${id}-error`,
    hintId: `${id}-hint`,
    errors,
    value: state.ok === false && echoed !== undefined ? echoed : (defaultValue ?? undefined),
  };
}

function FieldShell({
  id,
  label,
  hint,
  hintId,
  errors,
  errorId,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  hintId: string;
  errors?: string[];
  errorId: string;
  children: ReactNode;
}) {
  return (
    <div>
      <label htmlFor={id} className={labelClass}>
        {label}
      </label>
      {children}
      {hint ? (
        <p id={hintId} className="mt-1 text-sm text-muted-foreground">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={errorId} className={fieldErrorClass}>
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

function describedBy(hint: unknown, errors: unknown, hintId: string, errorId: string) {
  return [hint ? hintId : null, errors ? errorId : null].filter(Boolean).join(" ") || undefined;
}

export function TextField({
  name,
  label,
  defaultValue,
  hint,
  type = "text",
  required,
  autoComplete,
  inputMode,
  accept,
}: {
  name: string;
  label: string;
  defaultValue?: string | null;
  hint?: ReactNode;
  type?: "text" | "email" | "password" | "number" | "tel" | "search" | "date" | "file";
  required?: boolean;
  autoComplete?: string;
  inputMode?: "numeric" | "tel" | "email" | "text";
  /** For a file field: the types of file it takes. */
  accept?: string;
}) {
  const field = useField(name, defaultValue);
  return (
    <FieldShell label={label} hint={hint} {...field}>
      <input
        id={field.id}
        name={name}
        type={type}
        required={required}
        autoComplete={autoComplete}
        inputMode={inputMode}
        accept={accept}
        defaultValue={typeof field.value === "string" && type !== "file" ? field.value : undefined}
        key={String(field.value)}
        aria-invalid={field.errors ? true : undefined}
        aria-describedby={describedBy(hint, field.errors, field.hintId, field.errorId)}
        className={inputClass}
      />
    </FieldShell>
  );
}

export function TextAreaField({
  name,
  label,
  defaultValue,
  hint,
  rows = 3,
}: {
  name: string;
  label: string;
  defaultValue?: string | null;
  hint?: ReactNode;
  rows?: number;
}) {
  const field = useField(name, defaultValue);
  return (
    <FieldShell label={label} hint={hint} {...field}>
      <textarea
        id={field.id}
        name={name}
        rows={rows}
        defaultValue={typeof field.value === "string" ? field.value : undefined}
        key={String(field.value)}
        aria-invalid={field.errors ? true : undefined}
        aria-describedby={describedBy(hint, field.errors, field.hintId, field.errorId)}
        className={cn(inputClass, "font-mono")}
      />
    </FieldShell>
  );
}

export function SelectField({
  name,
  label,
  options,
  defaultValue,
  hint,
}: {
  name: string;
  label: string;
  options: { value: string; label: string }[];
  defaultValue?: string | null;
  hint?: ReactNode;
}) {
  const field = useField(name, defaultValue);
  return (
    <FieldShell label={label} hint={hint} {...field}>
      <select
        id={field.id}
        name={name}
        defaultValue={typeof field.value === "string" ? field.value : undefined}
        key={String(field.value)}
        aria-invalid={field.errors ? true : undefined}
        aria-describedby={describedBy(hint, field.errors, field.hintId, field.errorId)}
        className={inputClass}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/** A group of checkboxes sharing one name (e.g. the SIP servers of a trunk). */
export function CheckboxGroup({
  name,
  legend,
  options,
  defaultValues = [],
  hint,
}: {
  name: string;
  legend: string;
  options: { value: string; label: ReactNode }[];
  defaultValues?: string[];
  hint?: ReactNode;
}) {
  const state = useFormState();
  const errors = state.fieldErrors?.[name];
  const echoed = state.ok === false ? state.values?.[name] : undefined;
  const checked = echoed === undefined ? defaultValues : Array.isArray(echoed) ? echoed : [echoed];
  const errorId = useId();
  return (
    <fieldset aria-describedby={errors ? errorId : undefined}>
      <legend className={labelClass}>{legend}</legend>
      {hint ? <p className="mt-1 text-sm text-muted-foreground">{hint}</p> : null}
      <div className="mt-2 space-y-2">
        {options.map((option) => (
          <label key={option.value} className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              name={name}
              value={option.value}
              defaultChecked={checked.includes(option.value)}
              key={`${option.value}-${checked.includes(option.value)}`}
              className="size-4"
            />
            {option.label}
          </label>
        ))}
      </div>
      {errors ? (
        <p id={errorId} className={fieldErrorClass}>
          {errors.join(" ")}
        </p>
      ) : null}
    </fieldset>
  );
}

export function Checkbox({ name, label, defaultChecked }: { name: string; label: string; defaultChecked?: boolean }) {
  const state = useFormState();
  const echoed = state.ok === false ? state.values?.[name] === "on" : defaultChecked;
  return (
    <label className="flex items-center gap-2 text-sm">
      <input type="checkbox" name={name} defaultChecked={echoed} key={String(echoed)} className="size-4" />
      {label}
    </label>
  );
}

export function SubmitButton({
  children,
  variant = "primary",
}: {
  children: ReactNode;
  variant?: "primary" | "danger" | "secondary";
}) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} aria-disabled={pending} className={buttonVariants({ variant })}>
      {pending ? "Working…" : children}
    </button>
  );
}
