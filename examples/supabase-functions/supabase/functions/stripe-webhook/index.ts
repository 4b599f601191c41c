// Stripe calls this (no Supabase JWT: verify_jwt = false in stagecoach.conf);
// the signature is checked with the webhook secret instead.
import { stripe } from "../_shared/stripe.ts";
import { adminClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  const signature = req.headers.get("Stripe-Signature") ?? "";
  const body = await req.text();
  let event;
  try {
    event = await stripe.webhooks.constructEventAsync(body, signature, Deno.env.get("STRIPE_WEBHOOK_SECRET")!);
  } catch (err) {
    return new Response(`bad signature: ${err.message}`, { status: 400 });
  }
  const db = adminClient();
  if (event.type.startsWith("customer.subscription.")) {
    const s = event.data.object;
    await db.from("profiles").update({
      subscription_id: s.id,
      current_period_start: new Date(s.current_period_start * 1000).toISOString(),
      current_period_end: new Date(s.current_period_end * 1000).toISOString(),
      cancel_at: s.cancel_at ? new Date(s.cancel_at * 1000).toISOString() : null,
      canceled_at: s.canceled_at ? new Date(s.canceled_at * 1000).toISOString() : null,
    }).eq("id", s.metadata.user_id);
  } else if (event.type === "invoice.paid") {
    await db.from("profiles").update({ last_payment_date: new Date().toISOString() })
      .eq("subscription_id", event.data.object.subscription);
  }
  return new Response(JSON.stringify({ received: true }), { headers: { "Content-Type": "application/json" } });
});
