import Link from "next/link";
import type { ReactNode } from "react";
import { CopyButton } from "./copy-button";

export function PageHeader({ title, actions, children }: { title: string; actions?: ReactNode; children?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
      <div>
        <h1 className="text-2xl font-bold text-slate-900">{title}</h1>
        {children ? <div className="mt-1 text-slate-600">{children}</div> : null}
      </div>
      {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
    </div>
  );
}

export function Card({ title, children, actions }: { title?: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="mb-6 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:p-6" aria-label={title}>
      {title || actions ? (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
          {title ? <h2 className="text-lg font-semibold text-slate-900">{title}</h2> : <span />}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

const badgeColors = {
  green: "bg-green-100 text-green-800",
  red: "bg-red-100 text-red-800",
  amber: "bg-amber-100 text-amber-900",
  slate: "bg-slate-100 text-slate-800",
  blue: "bg-blue-100 text-blue-800",
} as const;

export function Badge({ children, color = "slate" }: { children: ReactNode; color?: keyof typeof badgeColors }) {
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${badgeColors[color]}`}>{children}</span>
  );
}

export function ButtonLink({
  href,
  children,
  variant = "primary",
}: {
  href: string;
  children: ReactNode;
  variant?: "primary" | "secondary";
}) {
  const colors =
    variant === "primary"
      ? "bg-blue-700 text-white hover:bg-blue-800"
      : "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50";
  return (
    <Link
      href={href}
      className={`inline-block rounded px-4 py-2 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 ${colors}`}
    >
      {children}
    </Link>
  );
}

export function DefinitionList({ items }: { items: [ReactNode, ReactNode][] }) {
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-3 sm:grid-cols-[max-content_1fr]">
      {items.map(([term, value], index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the list is static per render
        <div key={index} className="contents">
          <dt className="text-sm font-medium text-slate-600">{term}</dt>
          <dd className="text-slate-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A value shown exactly as stored, in monospace, with a copy button. */
export function CopyableValue({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <code className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm text-slate-900" data-testid={testId}>
        {value}
      </code>
      <CopyButton value={value} label={label} />
    </span>
  );
}

/** The case-sensitivity warning that accompanies every SIP server hostname. */
export function CaseSensitiveWarning() {
  return (
    <p className="mt-2 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" role="note">
      <strong>The server name is case-sensitive.</strong> Enter it exactly as shown — a different casing may still
      register, but every call will fail. Copy and paste it rather than typing it.
    </p>
  );
}

export function SipServerList({ hostnames }: { hostnames: string[] }) {
  return (
    <div>
      <ul className="space-y-2">
        {hostnames.map((hostname) => (
          <li key={hostname}>
            <CopyableValue value={hostname} label={`SIP server ${hostname}`} testId="sip-server" />
          </li>
        ))}
      </ul>
      <CaseSensitiveWarning />
    </div>
  );
}

export function Pagination({ page, pages, href }: { page: number; pages: number; href: (page: number) => string }) {
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center gap-4 text-sm">
      {page > 1 ? (
        <Link href={href(page - 1)} className="underline">
          Previous page
        </Link>
      ) : null}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <Link href={href(page + 1)} className="underline">
          Next page
        </Link>
      ) : null}
    </nav>
  );
}

export function formatDateTime(date: Date | null | undefined): string {
  if (!date) return "—";
  return `${new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(date)} UTC`;
}

export function Table({ headers, children, caption }: { headers: string[]; children: ReactNode; caption?: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-left text-sm">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead className="border-b border-slate-200 text-slate-600">
          <tr>
            {headers.map((header) => (
              <th key={header} scope="col" className="px-2 py-2 font-medium">
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}
