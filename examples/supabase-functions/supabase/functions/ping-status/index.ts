// Liveness for monitors (verify_jwt = false): answers without touching the database.
Deno.serve(() =>
  new Response(JSON.stringify({ status: "ok", time: new Date().toISOString() }), {
    headers: { "Content-Type": "application/json" },
  })
);
