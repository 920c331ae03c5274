import type { ReactNode } from "react";

export function PageHeader({ title, actions, children }: { title: string; actions?: ReactNode; children?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-2xl font-bold break-words">{title}</h1>
        {/* Running text: its links are underlined, as in a paragraph (app/globals.css). */}
        {children ? <div className="mt-1 text-muted-foreground [&_a]:underline">{children}</div> : null}
      </div>
      {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
    </div>
  );
}
