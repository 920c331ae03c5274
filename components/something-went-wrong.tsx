import { Button } from "./ui/button";

/**
 * What an unexpected failure means for the user: what happened, that nothing was lost, and what to do. Shown by the
 * error boundary nearest the failure: inside the staff or customer portal (their navigation stays), or the root one.
 */
export function SomethingWentWrong({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error ? String(error.digest) : null;
  return (
    <div className="mx-auto max-w-xl py-8" role="alert">
      <h1 className="text-2xl font-bold">Something went wrong on our side</h1>
      <p className="mt-2 text-muted-foreground">
        The portal could not finish this request. This usually means its database or another service it relies on is
        briefly unavailable.
      </p>
      <p className="mt-2 text-muted-foreground">
        Nothing was lost: every change is saved completely or not at all, and emails and registrar updates wait in a
        queue until they can be delivered.
      </p>
      <p className="mt-2 text-muted-foreground">
        Try again in a moment. If it keeps happening, contact support
        {digest ? (
          <>
            {" "}
            and mention the reference <code className="font-mono">{digest}</code>
          </>
        ) : null}
        .
      </p>
      <p className="mt-4 flex flex-wrap gap-4">
        <Button onClick={retry}>Try again</Button>
        <a href="/" className="py-2">
          Go to your start page
        </a>
      </p>
    </div>
  );
}
