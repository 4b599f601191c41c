// Starts a Stripe Checkout session for the signed-in user's chosen price.
import { corsHeaders, json } from "../_shared/cors.ts";
import { stripe } from "../_shared/stripe.ts";
import { userClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const { data: { user } } = await userClient(req).auth.getUser();
  if (!user) return json({ error: "not signed in" }, 401);
  const { priceId, returnUrl } = await req.json();
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: priceId, quantity: 1 }],
    customer_email: user.email,
    client_reference_id: user.id,
    success_url: `${returnUrl}?checkout=success`,
    cancel_url: `${returnUrl}?checkout=cancel`,
  });
  return json({ url: session.url });
});
