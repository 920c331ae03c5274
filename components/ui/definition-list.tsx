import type { ReactNode } from "react";

export function DefinitionList({ items }: { items: [ReactNode, ReactNode][] }) {
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-1 sm:grid-cols-[max-content_minmax(0,1fr)] sm:gap-y-3">
      {items.map(([term, value], index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the list is static per render
        <div key={index} className="contents">
          <dt className="mt-2 text-sm font-medium text-muted-foreground sm:mt-0">{term}</dt>
          <dd className="min-w-0 break-words">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
