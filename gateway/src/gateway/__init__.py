"""jobhunt API gateway: routing, CORS, rate limits, request ids, health and OpenAPI."""
