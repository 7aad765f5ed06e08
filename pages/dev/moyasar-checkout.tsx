import type { FC } from "hono/jsx";
import type { SimulatedInvoice } from "../../src/dev/moyasar-simulator.repo";
import type { BillingStrings } from "../billing/billing-strings";
import { CsrfField, ErrorSummary, Field } from "../components/form";

/** The simulator's stand-in for Moyasar's hosted invoice page: the amount and a card form. */
export const MoyasarCheckoutPage: FC<{
  s: BillingStrings;
  csrf: string;
  invoice: SimulatedInvoice;
  error: string | undefined;
}> = ({ s, csrf, invoice, error }) => (
  <section class="section">
    <div class="container stack" data-testid="moyasar-checkout">
      <div>
        <h1>{s.simulator.title}</h1>
        <p class="muted">{s.simulator.intro}</p>
      </div>
      <ErrorSummary message={error} />
      <div class="card stack">
        <p>
          {s.simulator.invoice}: {invoice.description}
        </p>
        <p>
          {s.total}: <strong data-testid="moyasar-amount">{s.amount(invoice.amount)}</strong>
        </p>
        <form method="post" action={`/dev/moyasar/checkout/${invoice.id}`} class="stack">
          <CsrfField token={csrf} />
          <Field name="name" label={s.simulator.cardName} value="Test Card" required maxlength={100} />
          <Field
            name="number"
            label={s.simulator.cardNumber}
            required
            maxlength={23}
            ltr
            inputmode="numeric"
            autocomplete="cc-number"
          />
          <Field name="expiry" label={s.simulator.expiry} value="12/30" required maxlength={5} ltr />
          <Field
            name="cvc"
            label={s.simulator.cvc}
            value="123"
            required
            maxlength={4}
            ltr
            inputmode="numeric"
          />
          <p class="field__hint">{s.simulator.testCards}</p>
          <button type="submit" class="button">
            {s.simulator.pay} {s.amount(invoice.amount)}
          </button>
        </form>
      </div>
    </div>
  </section>
);
