"""msgspec Structs of the HTTP edge, converted explicitly to and from use-case types."""
