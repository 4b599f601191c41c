// Opens the Stripe billing portal for the signed-in user's customer.
import { corsHeaders, json } from "../_shared/cors.ts";
import { stripe } from "../_shared/stripe.ts";
import { userClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const db = userClient(req);
  const { data: { user } } = await db.auth.getUser();
  if (!user) return json({ error: "not signed in" }, 401);
  const { data: profile } = await db.from("profiles").select("subscription_id").eq("id", user.id).single();
  if (!profile?.subscription_id) return json({ error: "no subscription" }, 404);
  const sub = await stripe.subscriptions.retrieve(profile.subscription_id);
  const { returnUrl } = await req.json();
  const portal = await stripe.billingPortal.sessions.create({ customer: sub.customer as string, return_url: returnUrl });
  return json({ url: portal.url });
});
