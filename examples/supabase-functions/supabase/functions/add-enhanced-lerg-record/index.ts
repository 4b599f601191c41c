// Admin: add an NPA by hand.
import { corsHeaders, json } from "../_shared/cors.ts";
import { adminClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const record = await req.json();
  if (!/^[2-9][0-8][0-9]$/.test(record.npa ?? "")) return json({ error: "npa must be three digits, NXX" }, 400);
  const { data, error } = await adminClient().from("enhanced_lerg").insert(record).select().single();
  if (error) return json({ error: error.message }, 409);
  return json(data, 201);
});
