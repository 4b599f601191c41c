// Location of one NPA: ?npa=671 -> Guam, category 'pacific'.
import { corsHeaders, json } from "../_shared/cors.ts";
import { userClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const npa = new URL(req.url).searchParams.get("npa") ?? "";
  const { data, error } = await userClient(req).from("enhanced_lerg")
    .select("npa, country, state_code, state_name, region, category").eq("npa", npa).maybeSingle();
  if (error) return json({ error: error.message }, 500);
  if (!data) return json({ error: `unknown NPA ${npa}` }, 404);
  return json(data);
});
