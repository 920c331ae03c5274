import type { HelpTopic } from "@/lib/trunks/setup-guides";

/** Troubleshooting topics, each an anchor (`#help-<id>`) that findings and call records link to. */
export function HelpTopics({ topics }: { topics: HelpTopic[] }) {
  return (
    <>
      {topics.map((topic) => (
        <section
          key={topic.id}
          id={`help-${topic.id}`}
          className="mb-5 scroll-mt-4"
          aria-labelledby={`help-${topic.id}-title`}
        >
          <h3 id={`help-${topic.id}-title`} className="font-semibold">
            {topic.title}
          </h3>
          {topic.paragraphs.map((paragraph) => (
            <p key={paragraph} className="mt-1 text-sm text-muted-foreground">
              {paragraph}
            </p>
          ))}
        </section>
      ))}
    </>
  );
}
