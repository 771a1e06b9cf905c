"""The FastAPI application factory: routers, problem+json errors, lifespan (migrations, worker)."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.cli.main import package_version
from api.problems import (
    PROBLEM_MEDIA_TYPE,
    InvalidParam,
    Problem,
    install_problem_handlers,
)
from api.routes import ROUTERS
from api.service import Service, open_service
from api.settings import Settings, get_settings

log = logging.getLogger("spotcheck.api")

DESCRIPTION = """
HTTP API of **spotcheck**, the annual thesis spot check (学位论文抽检):
sampling frames and draws, thesis submissions, similarity screening with reports, corpora
and webhooks.

Authenticate with an API key: `Authorization: Bearer sck_…` (create one with
`spotcheck keys create`). Errors are RFC 9457 `application/problem+json`. Long work answers
`202 Accepted` with a `Location` to poll and a `Retry-After`.
"""


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: the route function's name (unique across the API)."""
    return route.name


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with every error response documented as problem+json."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, InvalidParam):
        components[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    components[Problem.__name__].pop("$defs", None)
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, response in list(responses.items()):
                if code[0] in "45" and "health" not in operation.get("tags", []):
                    response["content"] = problem
            responses.setdefault(
                "4XX", {"description": "problem details (RFC 9457)", "content": problem}
            )
            responses.setdefault(
                "5XX", {"description": "problem details (RFC 9457)", "content": problem}
            )
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema


# Threads (upload bookkeeping, jobs) share the GIL with the event loop; a shorter switch
# interval than the default 5 ms hands it back to the loop sooner, cutting read tail latency.
SWITCH_INTERVAL_SECONDS = 0.001


def tune_for_serving() -> None:
    """Interpreter settings for a long-lived server process, applied once it has started.

    The imported modules, routes, schemas and the engine are some 150,000 long-lived objects;
    a full collection walking them took up to 250 ms, as long as the whole read tail under
    load. Frozen, they are never scanned again; full collections look at request garbage.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    gc.collect()
    gc.freeze()


def serving_app() -> FastAPI:
    """The app of one `spotcheck serve --processes N` process, configured by the environment.

    The process manager starts each process afresh and calls this factory, so everything
    (`SPOTCHECK_DATABASE_URL`, `SPOTCHECK_DATA_DIR`, `SPOTCHECK_RUN_WORKER`, …) arrives
    through `SPOTCHECK_` variables set by the parent.
    """
    return create_app(get_settings(), serving=True)


def create_app(
    settings: Settings | None = None,
    *,
    run_worker: bool | None = None,
    serving: bool = False,
) -> FastAPI:
    """Builds the app; the database is migrated and the worker started when it starts up.

    `spotcheck serve` sets `serving` (see `tune_for_serving`); apps built and torn down many
    times in one process, as in tests, must not.
    """
    settings = settings or get_settings()
    start_worker = settings.run_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from api.jobs.tasks import HANDLERS
        from api.jobs.worker import Worker

        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        service: Service = open_service(settings)
        service.blobs.sweep_temporary(older_than_seconds=600)
        app.state.service = service
        worker = Worker(service, HANDLERS) if start_worker else None
        app.state.worker = worker
        if worker is not None:
            worker.start(settings.worker_threads)
        if serving:
            tune_for_serving()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            service.close()

    app = FastAPI(
        title="spotcheck API",
        version=package_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    install_problem_handlers(app)
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]
    for router in ROUTERS:
        app.include_router(router)
    return app
