// Whether the signed-in user may use paid features: a live subscription or
// a trial that has not expired (trial_expires_at).
import { corsHeaders, json } from "../_shared/cors.ts";
import { userClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const db = userClient(req);
  const { data: { user } } = await db.auth.getUser();
  if (!user) return json({ error: "not signed in" }, 401);
  const { data: p } = await db.from("profiles")
    .select("subscription_id, current_period_end, cancel_at, trial_expires_at").eq("id", user.id).single();
  const now = Date.now();
  const subscribed = !!p?.subscription_id && (!p.current_period_end || Date.parse(p.current_period_end) > now);
  const trial = !subscribed && !!p?.trial_expires_at && Date.parse(p.trial_expires_at) > now;
  return json({ subscribed, trial, trial_expires_at: p?.trial_expires_at ?? null, cancel_at: p?.cancel_at ?? null });
});
