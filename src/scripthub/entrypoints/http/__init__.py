"""The REST API: Litestar app, controllers, schemas and the one error translation."""
