// Admin: every profile with its usage (user_usage_stats).
import { corsHeaders, json } from "../_shared/cors.ts";
import { adminClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const { data, error } = await adminClient().from("user_usage_stats").select("*").order("email");
  if (error) return json({ error: error.message }, 500);
  return json({ users: data });
});
