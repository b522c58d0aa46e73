"""The cheapest endpoint FastAPI can serve: read the body, answer 202. The ceiling npsloop's ingest is
measured against (benchmarks/e2e.py, benchmarks/pipeline.py)."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/v1/responses")
async def take(request: Request) -> Response:
    await request.body()
    return Response(b'{"status":"accepted"}', status_code=202, media_type="application/json")


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
