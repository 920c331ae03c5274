/** What an unexpected failure means for the user: what happened, that nothing was lost, and what to do. */
export function SomethingWentWrong({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && "digest" in error ? String(error.digest) : null;
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-2xl font-bold">Something went wrong on our side</h1>
      <p className="mt-2 text-slate-700">
        The portal could not finish this request. This usually means its database or another service it relies on is
        briefly unavailable.
      </p>
      <p className="mt-2 text-slate-700">
        Nothing was lost: every change is saved completely or not at all, and emails and registrar updates wait in a
        queue until they can be delivered.
      </p>
      <p className="mt-2 text-slate-700">
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
        <button
          type="button"
          onClick={retry}
          className="rounded bg-blue-700 px-4 py-2 text-sm font-semibold text-white hover:bg-blue-800"
        >
          Try again
        </button>
        <a href="/" className="py-2">
          Go to your start page
        </a>
      </p>
    </main>
  );
}
