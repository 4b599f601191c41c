// Every NPA of enhanced_lerg, optionally by category.
import { corsHeaders, json } from "../_shared/cors.ts";
import { userClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const category = new URL(req.url).searchParams.get("category");
  let query = userClient(req).from("enhanced_lerg").select("npa, country, state_code, state_name, region, category");
  if (category) query = query.eq("category", category);
  const { data, error } = await query.order("npa");
  if (error) return json({ error: error.message }, 500);
  return json({ count: data.length, data });
});
