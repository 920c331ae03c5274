import type { ReactNode } from "react";
import { cn } from "./cn";

/**
 * A table on wider screens; on a phone, a list: each row becomes a block and each cell shows its column's name
 * beside its value (the `label` of `Td`), so nothing is cut off at the right.
 */
export function Table({ headers, children, caption }: { headers: string[]; children: ReactNode; caption?: string }) {
  return (
    <div className="sm:overflow-x-auto">
      <table className="w-full text-left text-sm max-sm:block">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead className="border-b border-border text-muted-foreground max-sm:sr-only">
          <tr>
            {headers.map((header) => (
              <th key={header} scope="col" className="px-2 py-2 font-medium">
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-border max-sm:block max-sm:[&>tr]:block max-sm:[&>tr]:py-2">{children}</tbody>
      </table>
    </div>
  );
}

/** A table cell; `label` is its column's header, shown beside the value on a phone. */
export function Td({ label, className, children }: { label: string; className?: string; children?: ReactNode }) {
  return (
    // data-cell (app/globals.css) lays the cell out; on a phone it shows `label` beside the value.
    <td data-label={label} className={cn("data-cell", className)}>
      {/* One grid item, however many nodes the cell holds, so on a phone the value sits beside its label. */}
      <div className="min-w-0">{children}</div>
    </td>
  );
}
