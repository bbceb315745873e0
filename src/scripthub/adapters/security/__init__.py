"""Password hashing (`bcrypt_hasher`), access tokens (`jwt_tokens`), the common-password list
and the host's bcrypt slots, one module each: the settings read `host_slots` alone, without
loading bcrypt, PyJWT and cryptography into `scripthub serve`'s master."""
