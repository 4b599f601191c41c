// Admin: update an NPA's geography or category.
import { corsHeaders, json } from "../_shared/cors.ts";
import { adminClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const { npa, ...changes } = await req.json();
  const { data, error } = await adminClient().from("enhanced_lerg")
    .update({ ...changes, updated_at: new Date().toISOString() }).eq("npa", npa).select().single();
  if (error) return json({ error: error.message }, 404);
  return json(data);
});
