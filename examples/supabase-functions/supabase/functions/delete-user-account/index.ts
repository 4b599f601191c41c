// The signed-in user deletes their account (profile rows cascade).
import { corsHeaders, json } from "../_shared/cors.ts";
import { adminClient, userClient } from "../_shared/supabase.ts";

Deno.serve(async (req) => {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  const { data: { user } } = await userClient(req).auth.getUser();
  if (!user) return json({ error: "not signed in" }, 401);
  const { error } = await adminClient().auth.admin.deleteUser(user.id);
  if (error) return json({ error: error.message }, 500);
  return json({ deleted: user.id });
});
