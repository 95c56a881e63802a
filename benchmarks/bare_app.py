"""The baseline of the capacity runs: FastAPI with nothing of ours (no auth, no database, no middleware)."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/echo")
    def echo(body: dict) -> dict:
        return {"items": len(body.get("items") or [])}

    return app
