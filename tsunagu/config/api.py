"""The REST API: one NinjaAPI, each app contributes a router (OpenAPI at /api/docs)."""

from tsunagu.core.api import build_api

api = build_api()
# Routers are added here as apps gain API endpoints, e.g.:
# api.add_router("/customers/", "tsunagu.search.api.router")
api.add_router("/customers/", "tsunagu.search.api.router")
api.add_router("/cases/", "tsunagu.cases.api.router")
api.add_router("/identity/", "tsunagu.identity.api.router")
api.add_router("/practice/", "tsunagu.practice.api.router")
