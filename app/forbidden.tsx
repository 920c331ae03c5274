import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-2xl font-bold">You do not have access to this page</h1>
      <p className="mt-2 text-muted-foreground">
        Your role does not allow this. Ask an administrator if you need access.
      </p>
      <p className="mt-4">
        <Link href="/">Go to your start page</Link>
      </p>
    </main>
  );
}
