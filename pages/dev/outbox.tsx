import type { FC } from "hono/jsx";
import type { outboxMessages } from "../../src/outbox/outbox.schema";
import type { Dictionary } from "../i18n";

type Message = typeof outboxMessages.$inferSelect;

export const OutboxPage: FC<{ t: Dictionary; messages: Message[] }> = ({ t, messages }) => (
  <section class="section">
    <div class="container stack" data-testid="outbox-page">
      <div>
        <h1>{t.outbox.title}</h1>
        <p class="muted">{t.outbox.intro}</p>
      </div>
      {messages.length === 0 ? (
        <p data-testid="outbox-empty">{t.outbox.empty}</p>
      ) : (
        <ul class="cards">
          {messages.map((m) => (
            <li class="card" data-testid="outbox-message" data-recipient={m.recipient}>
              <p class="muted">
                {t.outbox.channels[m.channel]} · {t.outbox.to} <span dir="ltr">{m.recipient}</span> ·{" "}
                <time datetime={new Date(m.createdAt).toISOString()} dir="ltr">
                  {new Date(m.createdAt).toISOString().replace("T", " ").slice(0, 19)} UTC
                </time>
              </p>
              {m.subject ? <h3>{m.subject}</h3> : null}
              <pre class="message">{m.body}</pre>
            </li>
          ))}
        </ul>
      )}
    </div>
  </section>
);
