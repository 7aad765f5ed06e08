import type { FC } from "hono/jsx";
import { STATUS_UPDATES } from "../../src/dev/whatsapp-simulator";
import type { connectedNumbers, SimulatedSend } from "../../src/dev/whatsapp-simulator.repo";
import { SIMULATOR_MODES, type SimulatorMode } from "../../src/dev/whatsapp-simulator.schema";
import { CsrfField, ErrorSummary, Notice } from "../components/form";
import type { Dictionary } from "../i18n";

type ConnectedNumber = Awaited<ReturnType<typeof connectedNumbers>>[number];

export interface SimulatorView {
  mode: SimulatorMode;
  numbers: ConnectedNumber[];
  sends: SimulatedSend[];
  /** The signed-in user's role in their tenant, or null: connecting a number needs an owner. */
  signedInAs: { tenantName: string; isOwner: boolean } | null;
  flash: { message: string; error: boolean } | null;
}

const utc = (ms: number) => `${new Date(ms).toISOString().replace("T", " ").slice(0, 19)} UTC`;

export const SimulatorPage: FC<{ t: Dictionary; csrf: string; view: SimulatorView; locale: "ar" | "en" }> = ({
  t,
  csrf,
  view,
  locale,
}) => {
  const s = t.simulator;
  return (
    <section class="section">
      <div class="container stack" data-testid="simulator-page">
        <div>
          <h1>{s.title}</h1>
          <p class="muted">{s.intro}</p>
        </div>
        {view.flash?.error ? (
          <ErrorSummary message={view.flash.message} />
        ) : (
          <Notice message={view.flash?.message} />
        )}

        <div class="card stack">
          <h2>{s.modeTitle}</h2>
          <p>
            {s.modeNow} <strong data-testid="simulator-mode">{s.modes[view.mode]}</strong>
          </p>
          <form method="post" action="/dev/whatsapp/mode" class="stack">
            <CsrfField token={csrf} />
            <label for="mode">{s.modeLabel}</label>
            <select id="mode" name="mode">
              {SIMULATOR_MODES.map((mode) => (
                <option value={mode} selected={mode === view.mode}>
                  {s.modes[mode]}
                </option>
              ))}
            </select>
            <button type="submit" class="button">
              {s.modeSave}
            </button>
          </form>
        </div>

        <div class="card stack">
          <h2>{s.connectTitle}</h2>
          {view.signedInAs?.isOwner ? (
            <form method="post" action="/dev/whatsapp/connect">
              <CsrfField token={csrf} />
              <button type="submit" class="button button--primary" data-testid="simulator-connect">
                {s.connectFor(view.signedInAs.tenantName)}
              </button>
            </form>
          ) : (
            <p class="muted">
              {s.connectNeedsOwner} <a href="/login?next=/dev/whatsapp">{s.signIn}</a>
            </p>
          )}
          {view.numbers.length === 0 ? (
            <p data-testid="simulator-no-numbers">{s.noNumbers}</p>
          ) : (
            <ul>
              {view.numbers.map((n) => (
                <li data-testid="simulator-number" data-account={n.id}>
                  <span dir="ltr">{n.displayPhone}</span> ·{" "}
                  {locale === "ar" ? n.tenantNameAr : n.tenantNameEn} ·{" "}
                  <span dir="ltr" class="muted">
                    {n.phoneNumberId}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>

        {view.numbers.length > 0 ? (
          <form
            method="post"
            action="/dev/whatsapp/inbound"
            class="card stack"
            data-testid="simulator-inbound"
          >
            <h2>{s.inboundTitle}</h2>
            <CsrfField token={csrf} />
            <label for="accountId">{s.inboundTo}</label>
            <select id="accountId" name="accountId">
              {view.numbers.map((n) => (
                <option value={n.id}>
                  {n.displayPhone} · {locale === "ar" ? n.tenantNameAr : n.tenantNameEn}
                </option>
              ))}
            </select>
            <label for="from">{s.inboundFrom}</label>
            <input id="from" name="from" type="tel" dir="ltr" required maxlength={40} value="+966500000123" />
            <label for="name">{s.inboundName}</label>
            <input id="name" name="name" type="text" required maxlength={100} value="نورة" />
            <label for="text">{s.inboundText}</label>
            <textarea id="text" name="text" required maxlength={4096} rows={3} />
            <button type="submit" class="button button--primary">
              {s.inboundSend}
            </button>
          </form>
        ) : null}

        <div class="card stack">
          <h2>{s.sendsTitle}</h2>
          <p class="muted">{s.sendsIntro}</p>
          <form method="post" action="/dev/whatsapp/deliver-all">
            <CsrfField token={csrf} />
            <button type="submit" class="button">
              {s.deliverAll}
            </button>
          </form>
          {view.sends.length === 0 ? (
            <p data-testid="simulator-no-sends">{s.noSends}</p>
          ) : (
            <div class="table-wrap">
              <table class="table" data-testid="simulator-sends">
                <thead>
                  <tr>
                    <th>{s.sentAt}</th>
                    <th>{s.recipient}</th>
                    <th>{s.content}</th>
                    <th>{s.lastStatus}</th>
                    <th>{s.postStatus}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.sends.map((send) => (
                    <tr data-testid="simulator-send" data-wamid={send.wamid}>
                      <td dir="ltr">{utc(send.createdAt)}</td>
                      <td dir="ltr">+{send.recipient}</td>
                      <td>{send.summary}</td>
                      <td>
                        {send.lastStatus ? s.statuses[send.lastStatus as keyof typeof s.statuses] : "—"}
                      </td>
                      <td>
                        <form method="post" action="/dev/whatsapp/status">
                          <CsrfField token={csrf} />
                          <input type="hidden" name="wamid" value={send.wamid} />
                          {STATUS_UPDATES.map((status) => (
                            <button type="submit" name="status" value={status} class="button button--small">
                              {s.statuses[status]}
                            </button>
                          ))}
                        </form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>

        <form method="post" action="/dev/dead-letters/outbound/retry" class="card stack">
          <h2>{s.dlqTitle}</h2>
          <p class="muted">{s.dlqIntro}</p>
          <CsrfField token={csrf} />
          <button type="submit" class="button">
            {s.dlqRetry}
          </button>
        </form>
      </div>
    </section>
  );
};
