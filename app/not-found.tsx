import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-2xl font-bold">Not found</h1>
      <p className="mt-2 text-muted-foreground">There is nothing at this address, or it is not yours to see.</p>
      <p className="mt-4">
        <Link href="/">Go to your start page</Link>
      </p>
    </main>
  );
}
