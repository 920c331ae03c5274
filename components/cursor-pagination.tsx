import Link from "next/link";

/** Previous/next links of a keyset-paged list (lib/keyset.ts): each names the row its page starts after or ends before. */
export function CursorPagination({
  previous,
  next,
  href,
}: {
  previous: string | null;
  next: string | null;
  href: (page: { after: string } | { before: string }) => string;
}) {
  if (!previous && !next) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center gap-4 text-sm">
      {previous ? (
        <Link href={href({ before: previous })} className="underline">
          Previous page
        </Link>
      ) : null}
      {next ? (
        <Link href={href({ after: next })} className="underline">
          Next page
        </Link>
      ) : null}
    </nav>
  );
}
