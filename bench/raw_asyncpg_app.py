"""The product's routes written by hand: raw asyncpg and redis-py, no ORM, no layers.

It does the same network I/O as ScriptHub, call for call; `run.py --check-io` verifies that
against the real routes (Redis MONITOR and PostgreSQL's `log_statement = all`):

GET /api/users/me
  Redis  ONE round trip: MULTI HMGET session:{sid} user_id epoch, MGET grants:{user}, the two
         grants_version keys and grants_hold:{user} (cached permissions and the account's session
         epoch), INCR rate:api:{ip}, PEXPIRE NX, PTTL EXEC
         (http/rate_limits.py admit_authenticated, auth/authenticate_request.py,
         redis/access_state.py); on a grants cache miss only: BEGIN; SELECT grants;
         ROLLBACK; SET grants:{user}
  SQL    one SELECT of user + profile + string_agg of roles and of  (sqlalchemy/account_reader.py)
         providers, outside any transaction                         (users/get_own_user.py)

GET /api/scripts/{id}/raw with If-None-Match holding the latest version (an update check, 304)
  Redis  ONE round trip: MULTI GET latest_code:{id}, INCR rate:update_checks:{ip}, PEXPIRE NX,
         PTTL, INCR rate:update_check:{ip}:{id}, PEXPIRE NX, PTTL EXEC (the update checks'
         budgets: http/rate_limits.py code_charges, scripts/read_script_code.py,
         redis/latest_code.py)
  SQL    none

GET /api/scripts/{id}/raw without If-None-Match (a download; script_code.py --only downloads)
  Redis  the same MULTI block with rate:api:{ip} alone (INCR, PEXPIRE NX, PTTL), then
         EVALSHA of the product's install script (redis/install_scripts.py RECORD)
  SQL    one SELECT of the latest version's code, outside any transaction (the product reads
         none once it has prepared the version: this baseline serves the stored bytes)

POST /api/auth/refresh (no bearer token, so no access-state read)
  Redis  1. the same rate-limit MULTI block
         2. EVALSHA of the product's own rotation script            (redis/session_scripts.py)
  SQL    the same one SELECT as GET /api/users/me                   (auth/refresh_session.py)

POST /api/auth/login                                                (auth/log_in.py)
  Redis  1. the rate-limit MULTI block for rate:api:{ip}, then one for rate:credentials:{ip}
            (a credential route: opt=CREDENTIALS, http/rate_limits.py)
         2. HGET login_failures:{client and subject} blocked_until, before the bcrypt check,
            and DEL of it after a right password               (redis/login_throttle.py)
         3. the session's MULTI block                              (redis/session_store.py)
            HSET session, PEXPIREAT, SET refresh PXAT, SADD user_sessions, PEXPIREAT NX,
            PEXPIREAT GT
  SQL    BEGIN; SELECT user by email; SELECT user by id; SELECT roles; SELECT sign-in methods;
         ROLLBACK (the unit of work's lookups, closed before bcrypt); then BEGIN; INSERT
         audit_logs; COMMIT (audit/recording.py record_alone)

POST /api/auth/register                                             (auth/register_user.py)
  Redis  the two rate-limit MULTI blocks; inside the transaction the verification mail's
         throttle (a third MULTI block, rate:mail:verify_email:{user}); after the commit
         the session's MULTI block as for login
  SQL    (after the bcrypt hash) BEGIN; SELECT EXISTS email; SELECT EXISTS username; INSERT
         users; INSERT user_profiles; INSERT auth_providers; SELECT role + holder; INSERT
         user_roles; INSERT email_tokens; INSERT mail_outbox; INSERT audit_logs; COMMIT

PATCH /api/users/me                                                 (users/update_own_user.py)
  Redis  the one access-state + rate-limit MULTI block of GET /api/users/me
  SQL    BEGIN; SELECT user by id; SELECT roles; SELECT sign-in methods; (a username change:
         SELECT EXISTS live username, SELECT EXISTS held username); UPDATE users SET (the
         username,) updated_at ... RETURNING users.*; UPDATE user_profiles SET only the
         changed columns ... RETURNING the profile (a username change alone: SELECT the
         profile); INSERT audit_logs; COMMIT (nothing changed: ROLLBACK, no writes)

POST /api/scripts/{id}/versions (publish a version)          (scripts/publish_version.py)
  Redis  the access-state + rate-limit MULTI block; after the commit one pipeline (no
         MULTI) of SET latest_code:{id}, {slug}, beta/{id} and beta/{slug} (the fence,
         redis/latest_code.py changed, on both channels)
  SQL    BEGIN; SELECT script + owner; SELECT the latest version with its code; SELECT the
         new version (none); UPDATE users (hold the active account); SELECT the user (the
         publishing gates); SELECT the allow-list (code naming a @require or @resource);
         UPDATE scripts (the new latest, guarded by the one read); UPDATE script_tags (the
         script's sort keys copied, rows out of step only); INSERT script_versions; DELETE
         script_sites; INSERT script_sites (one per site); SELECT the versions held for
         review (none here: 501 otherwise); SELECT script + owner (may the caller still
         publish, does the block change a field? here never: 501 otherwise); INSERT
         audit_logs; COMMIT.
         Parsing the code's block, the version rules and `widened` are the product's domain
         functions (draft_version, place_version), run in a worker thread as the product
         runs them: the same CPU work, which no implementation avoids.

PUT /api/scripts/{id}/rating                                        (scripts/rate_script.py)
  Redis  the access-state + rate-limit MULTI block
  SQL    BEGIN; SELECT script + owner; UPDATE scripts (lock the live row); INSERT
         script_ratings ON CONFLICT DO UPDATE; UPDATE scripts SET the totals recounted from
         script_ratings; UPDATE script_tags (the sort keys copied); COMMIT

and the same CPU work the product cannot avoid: HS256 JWT decode/encode with PyJWT and the
same claims, SHA-256 of refresh tokens, SHA-256-prehashed bcrypt at SCRIPTHUB_BCRYPT_ROUNDS on
a pool of one thread per CPU at nice 7 (as adapters/security/bcrypt_hasher.py), the field
checks of the request bodies, msgspec bodies, Litestar routing. The SQL text is the text
SQLAlchemy sends, so PostgreSQL does identical work. The pool skips asyncpg's reset query on
release (SQLAlchemy's pool does not send one either), so the round-trip counts match.

Reads the same SCRIPTHUB_* variables as the product.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import json
import math
import os
import re
import secrets
import threading
import time
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

import asyncpg
import bcrypt
import jwt
import msgspec
import redis.asyncio as aioredis
from litestar import Litestar, Request, Response, get, patch, post, put
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

# Content, not layers: the rotation script, the mail's wording and the list of refused passwords
# are the product's own, so that Redis and PostgreSQL get the same work and the same bytes.
from scripthub.adapters.redis.install_scripts import RECORD
from scripthub.adapters.redis.session_scripts import ROTATE
from scripthub.adapters.security.common_passwords import load_common_passwords
from scripthub.adapters.sqlalchemy.scripts_table import EVERYWHERE, localized_document
from scripthub.application.mail.messages import token_email
from scripthub.application.ports.latest_code import FILL_FENCE
from scripthub.application.ports.login_throttle import subject_key
from scripthub.domain.email_tokens import TokenPurpose
from scripthub.domain.errors import Problems, ValidationError
from scripthub.domain.require_policy import RequireAllowlist, check_required_urls, required_urls
from scripthub.domain.script_versions import VersionDraft, draft_version, place_version
from scripthub.domain.scripts import ScriptVersion, VersionCode

DATABASE_URL = os.environ["SCRIPTHUB_DATABASE_URL"].replace(
    "postgresql+asyncpg://", "postgresql://"
)
REDIS_URL = os.environ["SCRIPTHUB_REDIS_URL"]
JWT_SECRET = os.environ["SCRIPTHUB_JWT_SECRET"]
PREFIX = os.environ.get("SCRIPTHUB_REDIS_KEY_PREFIX", "scripthub:")
API_LIMIT, _, API_WINDOW = os.environ.get("SCRIPTHUB_RATE_LIMIT_API", "100/900").partition("/")
AUTH_LIMIT, _, AUTH_WINDOW = os.environ.get("SCRIPTHUB_RATE_LIMIT_AUTH", "5/900").partition("/")
CHECKS_LIMIT, _, CHECKS_WINDOW = os.environ.get(
    "SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS", "10000/900"
).partition("/")
PER_SCRIPT_LIMIT, _, PER_SCRIPT_WINDOW = os.environ.get(
    "SCRIPTHUB_RATE_LIMIT_UPDATE_CHECKS_PER_SCRIPT", "120/900"
).partition("/")
ACCESS_TTL = int(os.environ.get("SCRIPTHUB_ACCESS_TOKEN_TTL", "900"))
SESSION_TTL = timedelta(seconds=int(os.environ.get("SCRIPTHUB_REFRESH_TOKEN_TTL", "2592000")))
REUSE_GRACE = float(os.environ.get("SCRIPTHUB_REFRESH_REUSE_GRACE", "10"))
BCRYPT_ROUNDS = int(os.environ.get("SCRIPTHUB_BCRYPT_ROUNDS", "12"))
FRONTEND_URL = os.environ.get("SCRIPTHUB_FRONTEND_URL", "http://localhost:3000")
POOL_SIZE = int(os.environ.get("SCRIPTHUB_DATABASE_POOL_SIZE", "20")) + int(
    os.environ.get("SCRIPTHUB_DATABASE_MAX_OVERFLOW", "10")
)  # what SQLAlchemy's pool may open (adapters/sqlalchemy/engine.py), from the same settings
ISSUER, AUDIENCE = "scripthub", "scripthub-api"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "sid", "iat", "exp", "jti"]
MAIL_THROTTLE_SECONDS = 60  # domain/email_tokens.py MAIL_THROTTLE
VERIFY_EMAIL_LIFETIME = timedelta(hours=24)  # domain/email_tokens.py TOKEN_LIFETIMES
DEFAULT_ROLE = "user"
MAX_USER_AGENT = 512

SQL_ACCOUNT = (  # $1 and $2 are the string_agg separators: SQLAlchemy binds the literal ","
    "SELECT users.id, users.email, users.username, users.password_hash, "
    "users.email_verified_at, users.account_status, users.session_epoch, users.created_at, "
    "users.updated_at, users.search_text, user_profiles.full_name, user_profiles.avatar_url, "
    "user_profiles.phone, user_profiles.bio, user_profiles.date_of_birth, user_profiles.location, "
    "user_profiles.website, "
    "(SELECT string_agg(roles.name, $1::VARCHAR) AS string_agg_1 \n"
    "FROM user_roles JOIN roles ON roles.id = user_roles.role_id \n"
    "WHERE user_roles.user_id = users.id) AS roles, "
    "(SELECT string_agg(auth_providers.provider, $2::VARCHAR) AS string_agg_3 \n"
    "FROM auth_providers \n"
    "WHERE auth_providers.user_id = users.id) AS providers \n"
    "FROM users LEFT OUTER JOIN user_profiles ON user_profiles.user_id = users.id \n"
    "WHERE users.id = $3::UUID"
)
SQL_GRANTS = (  # the account's session epoch with its grants (adapters/sqlalchemy/roles.py)
    "SELECT users.session_epoch, roles.name, permissions.name AS permission \n"
    "FROM users LEFT OUTER JOIN (user_roles JOIN (roles LEFT OUTER JOIN role_permissions "
    "ON role_permissions.role_id = roles.id LEFT OUTER JOIN permissions "
    "ON permissions.id = role_permissions.permission_id) ON roles.id = user_roles.role_id) "
    "ON user_roles.user_id = users.id \n"
    "WHERE users.id = $1::UUID"
)
GRANTS_TTL = 900  # adapters/redis/permission_cache.py DEFAULT_TTL
SQL_LATEST_VALIDATORS = (  # a cache miss only, once a minute: never in a measured window
    "SELECT visibility, latest_sha256, latest_version_at, slug, language FROM scripts"
    " WHERE id = $1::UUID AND deleted_at IS NULL"
)
SQL_LATEST_CODE = (  # a download: the stored bytes, one statement outside any transaction
    "SELECT script_versions.code FROM script_versions JOIN scripts"
    " ON scripts.id = script_versions.script_id"
    " AND scripts.latest_version = script_versions.version"
    " WHERE scripts.id = $1::UUID AND scripts.deleted_at IS NULL"
)
PUBLIC_URL = os.environ.get("SCRIPTHUB_PUBLIC_URL", "").rstrip("/")

# The unit of work's statements (adapters/sqlalchemy/users.py, roles.py, provider_links.py,
# audit.py, email_tokens.py, outbox_writer.py), as SQLAlchemy's asyncpg dialect sends them.
_TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
_USER_WITH_PROFILE = (
    "SELECT users.id, users.email, users.username, users.password_hash, "
    "users.email_verified_at, users.account_status, users.session_epoch, users.created_at, "
    "users.updated_at, users.search_text, user_profiles.full_name, user_profiles.avatar_url, "
    "user_profiles.phone, user_profiles.bio, user_profiles.date_of_birth, user_profiles.location, "
    "user_profiles.website \n"
    "FROM users LEFT OUTER JOIN user_profiles ON user_profiles.user_id = users.id \n"
)
SQL_USER_BY_EMAIL = (
    _USER_WITH_PROFILE + "WHERE users.email = $1::VARCHAR AND users.account_status != 'deleted'"
)
SQL_USER_BY_ID = _USER_WITH_PROFILE + "WHERE users.id = $1::UUID"
SQL_ROLES_OF = (
    "SELECT user_roles.user_id, roles.name \n"
    "FROM user_roles JOIN roles ON roles.id = user_roles.role_id \n"
    "WHERE user_roles.user_id IN ($1::UUID)"
)
SQL_PROVIDER_LINKS = (
    "SELECT auth_providers.id, auth_providers.user_id, auth_providers.provider, "
    "auth_providers.provider_user_id, auth_providers.email, auth_providers.provider_data, "
    "auth_providers.linked_at, auth_providers.created_at, auth_providers.updated_at \n"
    "FROM auth_providers \n"
    "WHERE auth_providers.user_id = $1::UUID ORDER BY auth_providers.linked_at, auth_providers.id"
)
SQL_EMAIL_IN_USE = (
    "SELECT EXISTS (SELECT * \nFROM users \n"
    "WHERE users.email = $1::VARCHAR AND users.account_status != 'deleted') AS anon_1"
)
SQL_USERNAME_IN_USE = (
    "SELECT EXISTS (SELECT * \nFROM users \n"
    "WHERE users.username = $1::VARCHAR AND users.account_status != 'deleted') AS anon_1"
)
SQL_USERNAME_IN_USE_BY_OTHERS = (
    "SELECT EXISTS (SELECT * \nFROM users \n"
    "WHERE users.username = $1::VARCHAR AND users.id != $2::UUID"
    " AND users.account_status != 'deleted') AS anon_1"
)
SQL_USERNAME_HELD_FROM_OTHERS = (
    "SELECT EXISTS (SELECT * \nFROM users \n"
    "WHERE users.username = $1::VARCHAR AND users.id != $2::UUID"
    f" AND users.account_status = 'deleted' AND users.updated_at > $3::{_TIMESTAMP}) AS anon_1"
)
SQL_USERNAME_HELD = (  # a deleted account's username, for USERNAME_HELD_FOR after deletion
    "SELECT EXISTS (SELECT * \nFROM users \n"
    "WHERE users.username = $1::VARCHAR AND users.account_status = 'deleted'"
    f" AND users.updated_at > $2::{_TIMESTAMP}) AS anon_1"
)
USERNAME_HELD_FOR = timedelta(days=30)  # domain/users.py
SQL_INSERT_USER = (
    "INSERT INTO users (id, email, username, password_hash, email_verified_at, account_status,"
    " session_epoch, created_at, updated_at) VALUES ($1::UUID, $2::VARCHAR, $3::VARCHAR,"
    f" $4::VARCHAR, $5::{_TIMESTAMP}, $6::VARCHAR, $7::INTEGER, $8::{_TIMESTAMP},"
    f" $9::{_TIMESTAMP})"
)
SQL_INSERT_PROFILE = (
    "INSERT INTO user_profiles (user_id, full_name, avatar_url, phone, bio, date_of_birth,"
    " location, website, created_at, updated_at) VALUES ($1::UUID, $2::VARCHAR, $3::VARCHAR,"
    " $4::VARCHAR, $5::VARCHAR, $6::DATE, $7::VARCHAR, $8::VARCHAR,"
    f" $9::{_TIMESTAMP}, $10::{_TIMESTAMP})"
)
SQL_INSERT_PROVIDER_LINK = (
    "INSERT INTO auth_providers (id, user_id, provider, provider_user_id, email, provider_data,"
    " linked_at, created_at, updated_at) VALUES ($1::UUID, $2::UUID, $3::VARCHAR, $4::VARCHAR,"
    f" $5::VARCHAR, $6::JSONB, $7::{_TIMESTAMP}, $8::{_TIMESTAMP}, $9::{_TIMESTAMP})"
)
SQL_ROLE_AND_HOLDER = (
    "SELECT roles.id, EXISTS (SELECT * \nFROM users \nWHERE users.id = $1::UUID) AS user_exists,"
    " user_roles.user_id AS holder \nFROM roles LEFT OUTER JOIN user_roles ON"
    " user_roles.role_id = roles.id AND user_roles.user_id = $2::UUID \n"
    "WHERE roles.name = $3::VARCHAR"
)
SQL_INSERT_USER_ROLE = (
    "INSERT INTO user_roles (user_id, role_id, created_at) VALUES ($1::UUID, $2::UUID,"
    f" $3::{_TIMESTAMP}) ON CONFLICT (user_id, role_id) DO NOTHING RETURNING user_roles.user_id"
)
SQL_INSERT_EMAIL_TOKEN = (
    "INSERT INTO email_tokens (id, user_id, purpose, token_hash, expires_at, used_at,"
    " new_email, created_at, updated_at) VALUES ($1::UUID, $2::UUID, $3::VARCHAR, $4::VARCHAR,"
    f" $5::{_TIMESTAMP}, $6::{_TIMESTAMP}, $7::VARCHAR, $8::{_TIMESTAMP}, $9::{_TIMESTAMP})"
)
SQL_INSERT_OUTBOX = (
    "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, status, attempts,"
    " next_attempt_at, last_error, sent_at, created_at, updated_at) VALUES ($1::UUID,"
    " $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::INTEGER,"
    f" $8::{_TIMESTAMP}, $9::VARCHAR, $10::{_TIMESTAMP}, $11::{_TIMESTAMP}, $12::{_TIMESTAMP})"
)
SQL_INSERT_AUDIT = (
    "INSERT INTO audit_logs (id, occurred_at, actor_id, action, resource_type, resource_id,"
    " outcome, ip_address, user_agent, metadata, created_at, updated_at) VALUES ($1::UUID,"
    f" $2::{_TIMESTAMP}, $3::UUID, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::VARCHAR,"
    f" $8::VARCHAR, $9::VARCHAR, $10::JSONB, $11::{_TIMESTAMP}, $12::{_TIMESTAMP})"
)
_USER_COLUMNS = (
    "users.id, users.email, users.username, users.password_hash, users.email_verified_at, "
    "users.account_status, users.session_epoch, users.created_at, users.updated_at, "
    "users.search_text"
)
_PROFILE_COLUMNS = (
    "user_profiles.full_name, user_profiles.avatar_url, user_profiles.phone, "
    "user_profiles.bio, user_profiles.date_of_birth, user_profiles.location, "
    "user_profiles.website"
)
SQL_PROFILE_OF = (
    f"SELECT {_PROFILE_COLUMNS} \nFROM user_profiles \nWHERE user_profiles.user_id = $1::UUID"
)
SQL_HOLD_ACTIVE = (  # adapters/sqlalchemy/users.py hold_active: the row lock, nothing changed
    "UPDATE users SET account_status=users.account_status WHERE users.id = $1::UUID"
    " AND users.account_status = $2::VARCHAR RETURNING users.id"
)

# The scripts' statements (adapters/sqlalchemy/scripts.py), as SQLAlchemy sends them.
SQL_SCRIPT_WITH_OWNER = (
    "SELECT scripts.id, scripts.owner_id, scripts.slug, scripts.name, scripts.name_key, "
    "scripts.description, scripts.language, scripts.license, scripts.visibility, scripts.tags, "
    "scripts.featured, scripts.antifeatures, scripts.localized, scripts.authors, "
    "scripts.install_count, scripts.rating_sum, scripts.rating_count, scripts.rating_avg, "
    "scripts.latest_version, scripts.latest_version_at, scripts.latest_sha256, "
    "scripts.beta_version, scripts.beta_version_at, scripts.beta_sha256, scripts.created_at, "
    "scripts.updated_at, scripts.deleted_at, scripts.takedown, scripts.redirect_to, "
    "users.username, users.account_status \n"
    "FROM scripts JOIN users ON users.id = scripts.owner_id \n"
    "WHERE scripts.id = $1::UUID AND scripts.deleted_at IS NULL"
)
_VERSION_COLUMNS = (
    "script_versions.id, script_versions.script_id, script_versions.version, "
    "script_versions.changelog, {code}script_versions.size, script_versions.sha256, "
    "script_versions.metadata, script_versions.widened, script_versions.created_at, "
    "script_versions.updated_at, script_versions.status, script_versions.reviewed_by, "
    "script_versions.reviewed_at, script_versions.review_note, script_versions.channel"
)
SQL_LATEST_VERSION = (
    f"SELECT {_VERSION_COLUMNS.format(code='script_versions.code, ')} \n"
    "FROM script_versions JOIN scripts ON scripts.id = script_versions.script_id"
    " AND scripts.latest_version = script_versions.version \n"
    "WHERE scripts.id = $1::UUID AND (scripts.deleted_at IS NULL OR scripts.takedown = 'blank')"
)
SQL_VERSION = (
    f"SELECT {_VERSION_COLUMNS.format(code='')} \nFROM script_versions \n"
    "WHERE script_versions.script_id = $1::UUID AND script_versions.version = $2::VARCHAR"
)
SQL_PUBLISH = (  # the new latest, guarded by the latest version read
    "UPDATE scripts SET antifeatures=$1::JSONB, latest_version=$2::VARCHAR,"
    f" latest_version_at=$3::{_TIMESTAMP}, latest_sha256=$4::VARCHAR,"
    f" updated_at=$5::{_TIMESTAMP} WHERE scripts.id = $6::UUID AND scripts.deleted_at IS NULL"
    " AND scripts.latest_version = $7::VARCHAR RETURNING scripts.id"
)
SQL_FOLLOW_TAGS = (  # _FOLLOW_SCRIPT: the script's sort keys copied into its tag rows
    "UPDATE script_tags SET created_at=scripts.created_at, updated_at=scripts.updated_at,"
    " install_count=scripts.install_count, rating_avg=scripts.rating_avg,"
    " name_key=scripts.name_key, listed=(scripts.visibility = 'public' AND"
    " scripts.deleted_at IS NULL) FROM scripts WHERE script_tags.script_id = scripts.id AND"
    " scripts.id = $1::UUID AND (script_tags.created_at, script_tags.updated_at,"
    " script_tags.install_count, script_tags.rating_avg, script_tags.name_key,"
    " script_tags.listed) != (scripts.created_at, scripts.updated_at, scripts.install_count,"
    " scripts.rating_avg, scripts.name_key, scripts.visibility = 'public' AND"
    " scripts.deleted_at IS NULL)"
)
SQL_INSERT_VERSION = (
    "INSERT INTO script_versions (id, script_id, version, changelog, code, size, sha256,"
    " metadata, widened, created_at, updated_at, status, reviewed_by, reviewed_at,"
    " review_note, channel) VALUES ($1::UUID, $2::UUID, $3::VARCHAR, $4::VARCHAR,"
    " $5::VARCHAR, $6::INTEGER, $7::VARCHAR, $8::JSONB, $9::JSONB,"
    f" $10::{_TIMESTAMP}, $11::{_TIMESTAMP}, $12::VARCHAR, $13::UUID, $14::{_TIMESTAMP},"
    " $15::VARCHAR, $16::VARCHAR)"
)
SQL_ALLOWLIST = (  # adapters/sqlalchemy/publishing.py: the one row of the allow-list
    "SELECT require_allowlist.patterns \nFROM require_allowlist \n"
    "WHERE require_allowlist.id = $1::SMALLINT"
)
SQL_HELD_VERSIONS = (  # adapters/sqlalchemy/version_reviews.py held_of
    f"SELECT {_VERSION_COLUMNS.format(code='')} \nFROM script_versions \n"
    "WHERE script_versions.script_id = $1::UUID AND script_versions.status = $2::VARCHAR"
    " ORDER BY script_versions.created_at, script_versions.id"
)
SQL_DELETE_SITES = "DELETE FROM script_sites WHERE script_sites.script_id = $1::UUID"
SQL_INSERT_SITE = (
    "INSERT INTO script_sites (script_id, host, subdomains) VALUES ($1::UUID, $2::VARCHAR,"
    " $3::BOOLEAN)"
)
SQL_LOCK_SCRIPT = (  # _lock_live: the row's write lock, nothing changed
    "UPDATE scripts SET rating_count=scripts.rating_count WHERE scripts.id = $1::UUID"
    " AND scripts.deleted_at IS NULL RETURNING scripts.id"
)
SQL_UPSERT_RATING = (
    "INSERT INTO script_ratings (script_id, user_id, score, created_at, updated_at) VALUES"
    f" ($1::UUID, $2::UUID, $3::SMALLINT, $4::{_TIMESTAMP}, $5::{_TIMESTAMP})"
    " ON CONFLICT (script_id, user_id) DO UPDATE SET score = excluded.score,"
    " updated_at = excluded.updated_at"
)
SQL_RECOUNT_RATINGS = (
    "UPDATE scripts SET rating_sum=(SELECT coalesce(sum(script_ratings.score), $1::INTEGER)"
    " AS coalesce_1 \nFROM script_ratings \nWHERE script_ratings.script_id = $2::UUID),"
    " rating_count=(SELECT count(*) AS count_1 \nFROM script_ratings \n"
    "WHERE script_ratings.script_id = $3::UUID), rating_avg=(SELECT"
    " coalesce(avg(CAST(script_ratings.score AS FLOAT)), $4::FLOAT) AS coalesce_3 \n"
    "FROM script_ratings \nWHERE script_ratings.script_id = $5::UUID) WHERE scripts.id ="
    " $6::UUID RETURNING scripts.rating_sum, scripts.rating_count"
)

# The product's field rules (domain/users.py, domain/passwords.py), checked as it checks them.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USERNAME_PATTERN = re.compile(r"^[a-z0-9_-]{3,32}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{3,20}$")
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
PROFILE_TEXT_LIMITS = {
    "full_name": 255,
    "avatar_url": 2048,
    "phone": 20,
    "bio": 2000,
    "location": 255,
    "website": 255,
}
PROFILE_FIELDS = (
    "full_name",
    "avatar_url",
    "phone",
    "bio",
    "date_of_birth",
    "location",
    "website",
)
PROFILE_TYPES = dict.fromkeys(PROFILE_FIELDS, "VARCHAR") | {"date_of_birth": "DATE"}
COMMON_PASSWORDS = load_common_passwords()
SCRIPTS_CREATE, SCRIPTS_UPDATE_ANY = "scripts.create", "scripts.update_any"
FENCE_MS = int(FILL_FENCE.total_seconds() * 1000)

Text = Annotated[str, msgspec.Meta(max_length=4096)]


class ProfileOut(msgspec.Struct):
    full_name: str | None
    avatar_url: str | None
    phone: str | None
    bio: str | None
    date_of_birth: date | None
    location: str | None
    website: str | None


class UserOut(msgspec.Struct):
    id: str
    email: str
    username: str
    email_verified: bool
    account_status: str
    roles: list[str]
    providers: list[str]
    created_at: datetime
    updated_at: datetime
    profile: ProfileOut


class TokenPairOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserOut
    token_type: Literal["Bearer"] = "Bearer"


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: str


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]


class RegisterBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]
    password: Annotated[str, msgspec.Meta(max_length=1024)]
    username: Annotated[str, msgspec.Meta(max_length=64)]
    full_name: Annotated[str, msgspec.Meta(max_length=1024)] | None = None


class ProfilePatch(msgspec.Struct, forbid_unknown_fields=True):
    full_name: Text | msgspec.UnsetType | None = msgspec.UNSET
    avatar_url: Text | msgspec.UnsetType | None = msgspec.UNSET
    phone: Text | msgspec.UnsetType | None = msgspec.UNSET
    bio: Text | msgspec.UnsetType | None = msgspec.UNSET
    date_of_birth: date | msgspec.UnsetType | None = msgspec.UNSET
    location: Text | msgspec.UnsetType | None = msgspec.UNSET
    website: Text | msgspec.UnsetType | None = msgspec.UNSET


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType = msgspec.UNSET
    profile: ProfilePatch | msgspec.UnsetType = msgspec.UNSET


class NewVersionBody(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1)]
    version: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    changelog: str | None = None


class VersionOut(msgspec.Struct):
    id: uuid.UUID
    version: str
    changelog: str | None
    created_at: datetime
    size: int
    sha256: str
    metadata: dict[str, Any] | None
    widened: dict[str, Any] | None


class RatingBody(msgspec.Struct, forbid_unknown_fields=True):
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]


class RatingOut(msgspec.Struct):
    rating_avg: float | None
    rating_count: int
    my_score: int | None


class Stores:
    """Per-process connections, opened at start-up."""

    pool: asyncpg.Pool
    redis: aioredis.Redis
    rotate: Any
    record_install: Any
    bcrypt: ThreadPoolExecutor


STORES = Stores()


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release: our transactions always end before it."""


def _bcrypt_thread_init() -> None:
    """bcrypt threads at nice 7, as the product's (adapters/security/bcrypt_hasher.py)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 7)


async def open_stores() -> None:
    STORES.pool = await asyncpg.create_pool(
        DATABASE_URL, min_size=0, max_size=POOL_SIZE, reset=_no_reset
    )
    STORES.redis = aioredis.Redis.from_url(REDIS_URL)
    STORES.rotate = STORES.redis.register_script(ROTATE)
    STORES.record_install = STORES.redis.register_script(RECORD)
    STORES.bcrypt = ThreadPoolExecutor(
        max_workers=os.cpu_count() or 1,
        thread_name_prefix="bcrypt",
        initializer=_bcrypt_thread_init,
    )


async def close_stores() -> None:
    await STORES.pool.close()
    await STORES.redis.aclose()
    STORES.bcrypt.shutdown(wait=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _queue_hit(pipe: Any, key: str, window: int) -> None:
    pipe.incr(key)
    pipe.pexpire(key, window * 1000, nx=True)
    pipe.pttl(key)


def _counted(hits: int, ttl_ms: int, limit: int) -> tuple[bool, int, int, int]:
    return hits <= limit, limit, max(limit - hits, 0), max(math.ceil(ttl_ms / 1000), 1)


async def _hit(key: str, limit: int, window: int) -> tuple[bool, int, int, int]:
    """One fixed-window counter: (allowed, limit, remaining, reset seconds)."""
    async with STORES.redis.pipeline(transaction=True) as pipe:
        _queue_hit(pipe, key, window)
        hits, _, ttl_ms = await pipe.execute()
    return _counted(hits, ttl_ms, limit)


def _rate_headers(state: tuple[bool, int, int, int]) -> dict[str, str]:
    allowed, limit, remaining, reset = state
    if not allowed:
        raise HTTPException(status_code=429, detail="rate limited")
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(reset),
    }


async def count_request(
    request: Request[Any, Any, Any], *, credentials: bool = False
) -> dict[str, str]:
    """The rate limiter's MULTI block (two on credential routes: the api budget, then the
    auth one); the RateLimit-* headers of the tightest budget."""
    ip = request.client.host if request.client else "unknown"
    state = await _hit(f"{PREFIX}rate:api:{ip}", int(API_LIMIT), int(API_WINDOW))
    if credentials:
        auth = await _hit(f"{PREFIX}rate:credentials:{ip}", int(AUTH_LIMIT), int(AUTH_WINDOW))
        refused = [s for s in (state, auth) if not s[0]]
        state = (
            max(refused, key=lambda s: s[3])
            if refused
            else min((state, auth), key=lambda s: (s[2], -s[3]))
        )
    return _rate_headers(state)


async def load_account(user_id: uuid.UUID) -> UserOut | None:
    """One statement, no transaction: what the product's `AccountReader` does."""
    async with STORES.pool.acquire() as connection:
        row = await connection.fetchrow(SQL_ACCOUNT, ",", ",", user_id)
    if row is None or row["account_status"] == "deleted":
        return None
    return _user_out(row, _names(row["roles"]), _names(row["providers"]))


def _names(joined: str | None) -> list[str]:
    return sorted(set(joined.split(","))) if joined else []


def _user_out(row: Any, roles: list[str], providers: list[str]) -> UserOut:
    return UserOut(
        id=str(row["id"]),
        email=row["email"],
        username=row["username"],
        email_verified=row["email_verified_at"] is not None,
        account_status=row["account_status"],
        roles=roles,
        providers=providers,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        profile=ProfileOut(
            full_name=row["full_name"],
            avatar_url=row["avatar_url"],
            phone=row["phone"],
            bio=row["bio"],
            date_of_birth=row["date_of_birth"],
            location=row["location"],
            website=row["website"],
        ),
    )


async def authenticate(
    request: Request[Any, Any, Any],
) -> tuple[uuid.UUID, list[str], dict[str, str]]:
    """JWT, then ONE round trip, a MULTI block: session liveness, the cached grants (the
    user's permissions, which any guarded route of the product checks) and the request counted
    against the api budget (what the product's rate-limit gate does for a bearer request).
    (the user's id, permissions, RateLimit headers)"""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise HTTPException(status_code=401, detail="missing bearer token")
    try:
        claims = jwt.decode(
            token.strip(),
            JWT_SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="invalid token") from None
    user_id = claims["sub"]
    grants_key = f"{PREFIX}grants:{user_id}"
    ip = request.client.host if request.client else "unknown"
    counter, limit, window = f"{PREFIX}rate:api:{ip}", int(API_LIMIT), int(API_WINDOW)
    async with STORES.redis.pipeline(transaction=True) as pipe:
        pipe.hmget(f"{PREFIX}session:{claims['sid']}", ["user_id", "epoch"])
        pipe.mget(
            [
                grants_key,
                f"{PREFIX}grants_version:everyone",
                f"{PREFIX}grants_version:user:{user_id}",
                f"{PREFIX}grants_hold:{user_id}",
            ]
        )
        pipe.incr(counter)
        pipe.pexpire(counter, window * 1000, nx=True)
        pipe.pttl(counter)
        (owner, epoch), (entry, everyone, user, hold), hits, _, ttl_ms = await pipe.execute()
    if hits > limit:
        raise HTTPException(status_code=429, detail="rate limited")
    headers = {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(max(limit - hits, 0)),
        "RateLimit-Reset": str(max(math.ceil(ttl_ms / 1000), 1)),
    }
    if owner is None or owner.decode() != user_id:
        raise HTTPException(status_code=401, detail="session revoked")
    session_epoch = int(epoch or 0)
    stamp = [int(everyone or 0), int(user or 0)]
    cached = json.loads(entry) if entry is not None and hold is None else None
    if cached is not None and cached[:2] == stamp:
        if session_epoch < cached[4]:
            raise HTTPException(status_code=401, detail="session revoked")
        return uuid.UUID(user_id), cached[3], headers
    async with STORES.pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        try:
            rows = await connection.fetch(SQL_GRANTS, uuid.UUID(user_id))
        finally:
            await transaction.rollback()
    if not rows or session_epoch < rows[0]["session_epoch"]:
        raise HTTPException(status_code=401, detail="session revoked")
    roles = sorted({row["name"] for row in rows if row["name"] is not None})
    permissions = sorted({row["permission"] for row in rows if row["permission"] is not None})
    if hold is None:
        account_epoch = rows[0]["session_epoch"]
        entry = json.dumps([*stamp, roles, permissions, account_epoch], separators=(",", ":"))
        await STORES.redis.set(grants_key, entry, ex=GRANTS_TTL)
    return uuid.UUID(user_id), permissions, headers


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _access_token(user_id: str, session_id: str) -> str:
    issued_at = int(time.time())
    return jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id,
            "sid": session_id,
            "iat": issued_at,
            "exp": issued_at + ACCESS_TTL,
            "jti": secrets.token_urlsafe(16),
        },
        JWT_SECRET,
        algorithm="HS256",
    )


# --- bcrypt, SHA-256-prehashed as the product does -----------------------------------------


def _prehash(password: str) -> bytes:
    digest = hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest()
    return base64.b64encode(digest)


def _check_sync(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


def _hash_sync(password: str) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")


async def _in_bcrypt_pool(function: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(STORES.bcrypt, function, *args)


# --- the request's context, sessions and audit rows ------------------------------------------


@dataclass(frozen=True)
class Context:
    ip_address: str | None
    user_agent: str | None
    request_id: str


def _context(request: Request[Any, Any, Any]) -> Context:
    agent = request.headers.get("user-agent")
    return Context(
        ip_address=request.client.host if request.client else None,
        user_agent=agent[:MAX_USER_AGENT] if agent else None,
        request_id=uuid.uuid4().hex,
    )


async def start_session(user_id: uuid.UUID, context: Context) -> tuple[str, str]:
    """The product's `RedisSessionStore.create`: one MULTI block. (session id, refresh token)"""
    now = _now()
    expires_at = now + SESSION_TTL
    session_id = str(uuid.uuid4())
    refresh_token = secrets.token_urlsafe(32)
    token_hash = _sha256(refresh_token)
    fields = {
        "user_id": str(user_id),
        "created_at": repr(now.timestamp()),
        "last_used_at": repr(now.timestamp()),
        "expires_at": repr(expires_at.timestamp()),
        "provider": "email",
        "token_hash": token_hash,
    }
    if context.user_agent is not None:
        fields["user_agent"] = context.user_agent
    if context.ip_address is not None:
        fields["ip_address"] = context.ip_address
    session_key = f"{PREFIX}session:{session_id}"
    user_key = f"{PREFIX}user_sessions:{user_id}"
    async with STORES.redis.pipeline(transaction=True) as pipe:
        pipe.hset(session_key, mapping=fields)
        pipe.pexpireat(session_key, expires_at)
        pipe.set(f"{PREFIX}refresh:{token_hash}", session_id, pxat=expires_at)
        pipe.sadd(user_key, session_id)
        pipe.pexpireat(user_key, expires_at, nx=True)
        pipe.pexpireat(user_key, expires_at, gt=True)
        await pipe.execute()
    return session_id, refresh_token


def _audit_args(
    action: str,
    context: Context,
    user_id: uuid.UUID,
    metadata: dict[str, Any],
    resource: tuple[str, uuid.UUID] | None = None,
) -> tuple[Any, ...]:
    """An audit row by `user_id` about `resource` (type, id; by default the user), with the
    request's id in its metadata as the product's (application/audit/recording.py)."""
    now = _now()
    resource_type, resource_id = resource or ("user", user_id)
    return (
        uuid.uuid4(),
        now,
        user_id,
        action,
        resource_type,
        str(resource_id),
        "success",
        context.ip_address,
        context.user_agent,
        json.dumps({**metadata, "request_id": context.request_id}),
        now,
        now,
    )


class UnitOfWork:
    """BEGIN; COMMIT if `commit` is called, else ROLLBACK: the product's unit of work."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._transaction = connection.transaction()
        self._committed = False

    async def __aenter__(self) -> UnitOfWork:
        await self._transaction.start()
        return self

    async def commit(self) -> None:
        await self._transaction.commit()
        self._committed = True

    async def __aexit__(self, *exc: object) -> None:
        if not self._committed:
            await self._transaction.rollback()


async def _read_own_user(
    connection: asyncpg.Connection, user_id: uuid.UUID
) -> tuple[asyncpg.Record, list[str], list[str]] | None:
    """`load_own_user`: the account, its roles, its sign-in methods (three statements)."""
    row = await connection.fetchrow(SQL_USER_BY_ID, user_id)
    if row is None or row["account_status"] == "deleted":
        return None
    roles = await connection.fetch(SQL_ROLES_OF, user_id)
    links = await connection.fetch(SQL_PROVIDER_LINKS, user_id)
    return (
        row,
        sorted({r["name"] for r in roles}),
        sorted({r["provider"] for r in links}),
    )


def _control_character_problem(value: str, *, allow_newlines: bool = False) -> bool:
    for char in value:
        if allow_newlines and char in "\n\r\t":
            continue
        if unicodedata.category(char) in {"Cc", "Cs"}:
            return True
    return False


def _profile_problems(profile: dict[str, Any], today: date) -> list[str]:
    problems = []
    for name, limit in PROFILE_TEXT_LIMITS.items():
        value = profile.get(name)
        if value is None:
            continue
        if _control_character_problem(value, allow_newlines=name == "bio") or len(value) > limit:
            problems.append(name)
    phone = profile.get("phone")
    if phone is not None and not PHONE_PATTERN.match(phone):
        problems.append("phone")
    for name in ("avatar_url", "website"):
        value = profile.get(name)
        if value is not None and not URL_PATTERN.match(value):
            problems.append(name)
    born = profile.get("date_of_birth")
    if born is not None and not (date(1800, 1, 1) <= born <= today):
        problems.append("date_of_birth")
    return problems


def _valid_email(raw: str) -> str | None:
    email = raw.strip().lower()
    if len(email) > 254 or _control_character_problem(email) or not EMAIL_PATTERN.match(email):
        return None
    return email


def _valid_username(raw: str) -> str | None:
    username = raw.strip().lower()
    return username if USERNAME_PATTERN.match(username) and username != "me" else None


# --- routes --------------------------------------------------------------------------------


@get("/api/users/me")
async def me(request: Request[Any, Any, Any]) -> Response[UserOut]:
    user_id, _, headers = await authenticate(request)
    user = await load_account(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")
    return Response(user, headers=headers)


@post("/api/auth/refresh", status_code=HTTP_200_OK)
async def refresh(request: Request[Any, Any, Any]) -> Response[TokenPairOut]:
    headers = await count_request(request)
    body = msgspec.json.decode(await request.body(), type=RefreshBody)
    new_token = secrets.token_urlsafe(32)
    old_hash, new_hash = _sha256(body.refresh_token), _sha256(new_token)
    reply = await STORES.rotate(
        keys=[
            f"{PREFIX}refresh:{old_hash}",
            f"{PREFIX}rotated:{old_hash}",
            f"{PREFIX}refresh:{new_hash}",
        ],
        args=[
            f"{PREFIX}session:",
            f"{PREFIX}refresh:",
            f"{PREFIX}user_sessions:",
            new_hash,
            repr(time.time()),
            REUSE_GRACE,
        ],
    )
    if reply[0] != b"ROTATED":
        raise HTTPException(status_code=401, detail="refresh token invalid")
    session_id = reply[1].decode()
    fields = dict(zip(reply[2::2], reply[3::2], strict=True))
    user = await load_account(uuid.UUID(fields[b"user_id"].decode()))
    if user is None or user.account_status != "active":
        raise HTTPException(status_code=401, detail="account gone")
    access = _access_token(user.id, session_id)
    return Response(TokenPairOut(access, new_token, ACCESS_TTL, user), headers=headers)


@post("/api/auth/login", status_code=HTTP_200_OK)
async def login(request: Request[Any, Any, Any]) -> Response[TokenPairOut]:
    headers = await count_request(request, credentials=True)
    body = msgspec.json.decode(await request.body(), type=LoginBody)
    context = _context(request)
    email = _valid_email(body.email)
    found = None
    if email is not None:
        async with STORES.pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                row = await connection.fetchrow(SQL_USER_BY_EMAIL, email)
                if row is not None:
                    found = await _read_own_user(connection, row["id"])
            finally:
                await transaction.rollback()  # closed before bcrypt, as the product's
    password_hash = found[0]["password_hash"] if found else None
    if password_hash is None or found is None or email is None:
        raise HTTPException(status_code=401, detail="invalid credentials")  # (not benched)
    # The product's failed-login count of this client and subject (redis/login_throttle.py):
    # read before bcrypt, reset after the right password. Failures (a Lua script) not benched.
    subject = f"{email}\n{password_hash}"
    failures = f"{PREFIX}login_failures:{subject_key(context.ip_address or 'unknown', subject)}"
    blocked_until = await STORES.redis.hget(failures, "blocked_until")
    if blocked_until is not None and int(blocked_until) > time.time() * 1000:
        raise HTTPException(status_code=429, detail="login throttled")  # (not benched)
    if not await _in_bcrypt_pool(_check_sync, body.password, password_hash):
        raise HTTPException(status_code=401, detail="invalid credentials")  # (not benched)
    await STORES.redis.delete(failures)
    row, roles, providers = found
    if row["account_status"] != "active":
        raise HTTPException(status_code=403, detail="suspended")
    session_id, refresh_token = await start_session(row["id"], context)
    async with STORES.pool.acquire() as connection, connection.transaction():
        audit = _audit_args("auth.login", context, row["id"], {"provider": "email"})
        await connection.execute(SQL_INSERT_AUDIT, *audit)
    user = _user_out(row, roles, providers)
    pair = TokenPairOut(_access_token(user.id, session_id), refresh_token, ACCESS_TTL, user)
    return Response(pair, headers=headers)


@post("/api/auth/register", status_code=HTTP_201_CREATED)
async def register(request: Request[Any, Any, Any]) -> Response[TokenPairOut]:
    headers = await count_request(request, credentials=True)
    body = msgspec.json.decode(await request.body(), type=RegisterBody)
    context = _context(request)
    now = _now()
    email, username = _valid_email(body.email), _valid_username(body.username)
    full_name = (body.full_name.strip() if body.full_name else None) or None
    if (
        email is None
        or username is None
        or not 8 <= len(body.password) <= 128
        or body.password.lower() in COMMON_PASSWORDS
        or _profile_problems({"full_name": full_name}, now.date())
    ):
        raise HTTPException(status_code=400, detail="invalid fields")
    password_hash = await _in_bcrypt_pool(_hash_sync, body.password)
    user_id = uuid.uuid4()
    async with STORES.pool.acquire() as connection, connection.transaction():
        if await connection.fetchval(SQL_EMAIL_IN_USE, email):
            raise HTTPException(status_code=409, detail="email taken")
        if await connection.fetchval(SQL_USERNAME_IN_USE, username):
            raise HTTPException(status_code=409, detail="username taken")
        if await connection.fetchval(SQL_USERNAME_HELD, username, now - USERNAME_HELD_FOR):
            raise HTTPException(status_code=409, detail="username taken")
        await connection.execute(
            SQL_INSERT_USER, user_id, email, username, password_hash, None, "active", 0, now, now
        )
        await connection.execute(
            SQL_INSERT_PROFILE, user_id, full_name, None, None, None, None, None, None, now, now
        )
        await connection.execute(
            SQL_INSERT_PROVIDER_LINK,
            uuid.uuid4(),
            user_id,
            "email",
            str(user_id),
            email,
            json.dumps({}),
            now,
            now,
            now,
        )
        role = await connection.fetchrow(SQL_ROLE_AND_HOLDER, user_id, user_id, DEFAULT_ROLE)
        if role is None or not role["user_exists"]:
            raise HTTPException(status_code=500, detail="no default role")
        if role["holder"] is None:
            await connection.fetchrow(SQL_INSERT_USER_ROLE, user_id, role["id"], _now())
        # The verification mail: throttled in Redis, then token and mail in the transaction.
        throttle = f"{PREFIX}rate:mail:{TokenPurpose.VERIFY_EMAIL}:{user_id}"
        if (await _hit(throttle, 1, MAIL_THROTTLE_SECONDS))[0]:
            mailed_at = _now()
            token = secrets.token_urlsafe(32)
            await connection.execute(
                SQL_INSERT_EMAIL_TOKEN,
                uuid.uuid4(),
                user_id,
                "verify_email",
                _sha256(token),
                mailed_at + VERIFY_EMAIL_LIFETIME,
                None,
                None,
                mailed_at,
                mailed_at,
            )
            link = f"{FRONTEND_URL}/verify-email?token={quote(token)}"
            mail = token_email(TokenPurpose.VERIFY_EMAIL, email, username, link)
            await connection.execute(
                SQL_INSERT_OUTBOX,
                uuid.uuid4(),
                mail.to,
                mail.subject,
                mail.text,
                mail.html,
                "pending",
                0,
                mailed_at,
                None,
                None,
                mailed_at,
                mailed_at,
            )
        audit = _audit_args("user.registered", context, user_id, {"by": "self"})
        await connection.execute(SQL_INSERT_AUDIT, *audit)
    session_id, refresh_token = await start_session(user_id, context)
    user = UserOut(
        id=str(user_id),
        email=email,
        username=username,
        email_verified=False,
        account_status="active",
        roles=[DEFAULT_ROLE],
        providers=["email"],
        created_at=now,
        updated_at=now,
        profile=ProfileOut(full_name, None, None, None, None, None, None),
    )
    pair = TokenPairOut(_access_token(user.id, session_id), refresh_token, ACCESS_TTL, user)
    return Response(pair, headers=headers)


@patch("/api/users/me")
async def update_me(request: Request[Any, Any, Any]) -> Response[UserOut]:
    user_id, _, headers = await authenticate(request)
    body = msgspec.json.decode(await request.body(), type=UserPatch)
    context = _context(request)
    changes = (
        {}
        if body.profile is msgspec.UNSET
        else {
            name: value
            for name in PROFILE_FIELDS
            if (value := getattr(body.profile, name)) is not msgspec.UNSET
        }
    )
    wanted = None if body.username is msgspec.UNSET else _valid_username(body.username)
    if body.username is not msgspec.UNSET and wanted is None:
        raise HTTPException(status_code=400, detail="invalid username")
    now = _now()
    async with STORES.pool.acquire() as connection, UnitOfWork(connection) as uow:
        found = await _read_own_user(connection, user_id)
        if found is None:
            raise HTTPException(status_code=404, detail="user not found")
        row, roles, providers = found
        if row["account_status"] != "active":
            raise HTTPException(status_code=403, detail="suspended")
        account = dict(row.items())
        profile_changes = {name: v for name, v in changes.items() if account[name] != v}
        changed = sorted(f"profile.{name}" for name in profile_changes)
        new_username = None
        if wanted is not None and wanted != account["username"]:
            if await connection.fetchval(
                SQL_USERNAME_IN_USE_BY_OTHERS, wanted, user_id
            ) or await connection.fetchval(
                SQL_USERNAME_HELD_FROM_OTHERS, wanted, user_id, now - USERNAME_HELD_FOR
            ):
                raise HTTPException(status_code=409, detail="username taken")
            new_username = wanted
            changed.append("username")
        if _profile_problems({**account, **changes}, now.date()):
            raise HTTPException(status_code=400, detail="invalid profile")
        if not changed:  # nothing written: the unit of work rolls back
            return Response(_user_out(account, roles, providers), headers=headers)
        named = [new_username] if new_username is not None else []
        updated = await connection.fetchrow(
            _sql_update_user(username=bool(named)), *named, now, user_id, "active"
        )
        if updated is None:
            raise HTTPException(status_code=403, detail="suspended")
        if profile_changes:
            columns = tuple(name for name in PROFILE_FIELDS if name in profile_changes)
            profile = await connection.fetchrow(
                _sql_update_profile(columns),
                *(profile_changes[name] for name in columns),
                now,
                user_id,
            )
        else:
            profile = await connection.fetchrow(SQL_PROFILE_OF, user_id)
        audit = _audit_args("user.updated", context, user_id, {"fields": changed})
        await connection.execute(SQL_INSERT_AUDIT, *audit)
        await uow.commit()
    return Response(_user_out({**updated, **profile}, roles, providers), headers=headers)


@functools.cache
def _sql_update_user(*, username: bool) -> str:
    """The product's UPDATE of the users row: the username when it changes, and updated_at;
    guarded by the account being active."""
    columns = [("username", "VARCHAR")] if username else []
    columns.append(("updated_at", _TIMESTAMP))
    after = len(columns)
    return (
        f"UPDATE users SET {_set_clause(columns)} WHERE users.id = ${after + 1}::UUID"
        f" AND users.account_status = ${after + 2}::VARCHAR RETURNING {_USER_COLUMNS}"
    )


@functools.cache
def _sql_update_profile(names: tuple[str, ...]) -> str:
    """The product's UPDATE of the profile: only the changed columns, and updated_at."""
    columns = [(name, PROFILE_TYPES[name]) for name in names] + [("updated_at", _TIMESTAMP)]
    return (
        f"UPDATE user_profiles SET {_set_clause(columns)} WHERE user_profiles.user_id ="
        f" ${len(columns) + 1}::UUID RETURNING {_PROFILE_COLUMNS}"
    )


def _set_clause(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name}=${n}::{kind}" for n, (name, kind) in enumerate(columns, 1))


@post("/api/scripts/{script_id:uuid}/versions", status_code=HTTP_201_CREATED)
async def publish_version(
    request: Request[Any, Any, Any], script_id: uuid.UUID
) -> Response[VersionOut]:
    """A new version of one's own script that has versions already, whose block leaves the
    script's fields as they are (the bench's publications); any other is not this
    baseline's (501). The denials the product audits are not benched."""
    user_id, permissions, headers = await authenticate(request)
    body = msgspec.json.decode(await request.body(), type=NewVersionBody)
    context = _context(request)
    async with STORES.pool.acquire() as connection, UnitOfWork(connection) as uow:
        script = await connection.fetchrow(SQL_SCRIPT_WITH_OWNER, script_id)
        if script is None or not _may_see(script, user_id, permissions):
            raise HTTPException(status_code=404, detail="script not found")
        if script["owner_id"] != user_id or SCRIPTS_CREATE not in permissions:
            raise HTTPException(status_code=403, detail="forbidden")  # (not benched)
        draft = await asyncio.to_thread(_drafted, body)
        latest_row = await connection.fetchrow(SQL_LATEST_VERSION, script_id)
        if latest_row is None:
            raise HTTPException(status_code=501, detail="a first version")
        if await connection.fetchrow(SQL_VERSION, script_id, draft.version) is not None:
            raise HTTPException(status_code=409, detail="version exists")
        if await connection.fetchval(SQL_HOLD_ACTIVE, user_id, "active") is None:
            raise HTTPException(status_code=403, detail="suspended")
        await _pass_publishing_gates(connection, user_id, draft)
        latest = VersionCode(_version_of(latest_row), latest_row["code"])
        try:
            version = await asyncio.to_thread(place_version, draft, script_id, latest, _now())
        except ValidationError:
            raise HTTPException(status_code=422, detail="not greater") from None
        published = await connection.fetchval(
            SQL_PUBLISH,
            json.dumps(draft.antifeatures),
            version.version,
            version.created_at,
            version.sha256,
            version.created_at,
            script_id,
            latest.version.version,
        )
        if published is None:  # the product checks again against the one that went in
            raise HTTPException(status_code=501, detail="published meanwhile")
        await connection.execute(SQL_FOLLOW_TAGS, script_id)
        await connection.execute(
            SQL_INSERT_VERSION,
            version.id,
            script_id,
            version.version,
            version.changelog,
            draft.code,
            version.size,
            version.sha256,
            json.dumps(version.metadata),
            json.dumps(version.widened),
            version.created_at,
            version.created_at,
            "published",
            None,
            None,
            None,
            "stable",
        )
        await connection.execute(SQL_DELETE_SITES, script_id)
        if sites := _site_rows(script_id, draft):
            await connection.executemany(SQL_INSERT_SITE, sites)
        if await connection.fetch(SQL_HELD_VERSIONS, script_id, "held_for_review"):
            raise HTTPException(status_code=501, detail="a version is held for review")
        # Who may publish, and what the block would change, read after staging (locked).
        now_is = await connection.fetchrow(SQL_SCRIPT_WITH_OWNER, script_id)
        if now_is is None or now_is["owner_id"] != user_id or _block_changes(draft, now_is):
            raise HTTPException(status_code=501, detail="the block changes the script")
        published_as = {"version": version.version, "version_id": str(version.id)}
        audit = _audit_args(
            "script.version_published", context, user_id, published_as, ("script", script_id)
        )
        await connection.execute(SQL_INSERT_AUDIT, *audit)
        await uow.commit()
    async with STORES.redis.pipeline(transaction=False) as pipe:
        for name in _cache_names(script_id, script["slug"]):
            pipe.set(f"{PREFIX}latest_code:{name}", "", px=FENCE_MS)
        await pipe.execute()
    out = VersionOut(
        version.id,
        version.version,
        version.changelog,
        version.created_at,
        version.size,
        version.sha256,
        version.metadata,
        version.widened,
    )
    return Response(out, headers=headers, status_code=HTTP_201_CREATED)


def _drafted(body: NewVersionBody) -> VersionDraft:
    problems = Problems()
    draft = draft_version(body.code, body.version, body.changelog, problems)
    if draft is None:
        raise HTTPException(status_code=422, detail="invalid version")
    return draft


async def _pass_publishing_gates(
    connection: asyncpg.Connection, user_id: uuid.UUID, draft: VersionDraft
) -> None:
    """application/scripts/publishing_gates.py: the publisher's account read, the allow-list
    read when the code names a `@require` or `@resource`. The bench's publishers are not new
    accounts to the quota (run.py sets SCRIPTHUB_NEW_ACCOUNT_DAYS=0) and their emails are
    verified where the policy asks."""
    if await connection.fetchrow(SQL_USER_BY_ID, user_id) is None:
        raise HTTPException(status_code=404, detail="user not found")
    if required_urls(draft.metadata):
        patterns = await connection.fetchval(SQL_ALLOWLIST, 1)
        try:
            check_required_urls(draft.metadata, RequireAllowlist(json.loads(patterns)))
        except ValidationError:
            raise HTTPException(status_code=422, detail="off the allow-list") from None


def _cache_names(script_id: uuid.UUID, slug: str) -> list[str]:
    """application/scripts/access.py cache_names: the id and slug, on both channels."""
    names = [str(script_id), slug]
    return [*names, *(f"beta/{name}" for name in names)]


def _version_of(row: asyncpg.Record) -> ScriptVersion:
    return ScriptVersion(
        id=row["id"],
        script_id=row["script_id"],
        version=row["version"],
        size=row["size"],
        sha256=row["sha256"],
        created_at=row["created_at"],
        changelog=row["changelog"],
        metadata=None if row["metadata"] is None else json.loads(row["metadata"]),
        widened=None if row["widened"] is None else json.loads(row["widened"]),
    )


def _site_rows(script_id: uuid.UUID, draft: VersionDraft) -> list[tuple[uuid.UUID, str, bool]]:
    """adapters/sqlalchemy/scripts_table.py site_rows."""
    sites = draft.sites
    rows = [(script_id, host, False) for host in sorted(sites.hosts)]
    rows += [(script_id, host, True) for host in sorted(sites.domains)]
    if sites.everywhere:
        rows.append((script_id, EVERYWHERE, False))
    return rows


def _block_changes(draft: VersionDraft, script: asyncpg.Record) -> bool:
    """Whether the new version's block gives the script another name, description, license
    or localized texts (publish_version.py _follow_block)."""
    declared = draft.declared
    return any(
        value is not None and value != script[name]
        for name, value in (
            ("name", declared.name),
            ("description", declared.description),
            ("license", declared.license),
        )
    ) or (
        draft.metadata is not None
        and localized_document(declared.localized) != json.loads(script["localized"] or "{}")
    )


def _may_see(script: asyncpg.Record, user_id: uuid.UUID, permissions: list[str]) -> bool:
    """application/scripts/access.py may_see: a private script (or one whose owner is not
    active) only its owner's and that of holders of scripts.update_any."""
    if script["visibility"] != "private" and script["account_status"] == "active":
        return True
    return script["owner_id"] == user_id or SCRIPTS_UPDATE_ANY in permissions


@put("/api/scripts/{script_id:uuid}/rating")
async def rate_script(request: Request[Any, Any, Any], script_id: uuid.UUID) -> Response[RatingOut]:
    user_id, permissions, headers = await authenticate(request)
    body = msgspec.json.decode(await request.body(), type=RatingBody)
    now = _now()
    async with STORES.pool.acquire() as connection, UnitOfWork(connection) as uow:
        script = await connection.fetchrow(SQL_SCRIPT_WITH_OWNER, script_id)
        if script is None or not _may_see(script, user_id, permissions):
            raise HTTPException(status_code=404, detail="script not found")
        if script["owner_id"] == user_id:
            raise HTTPException(status_code=403, detail="your own script")
        if await connection.fetchval(SQL_LOCK_SCRIPT, script_id) is None:
            raise HTTPException(status_code=404, detail="script not found")
        await connection.execute(SQL_UPSERT_RATING, script_id, user_id, body.score, now, now)
        totals = await connection.fetchrow(
            SQL_RECOUNT_RATINGS, 0, script_id, script_id, 0.0, script_id, script_id
        )
        await connection.execute(SQL_FOLLOW_TAGS, script_id)
        await uow.commit()
    count = totals["rating_count"]
    average = round(totals["rating_sum"] / count, 2) if count else None
    return Response(RatingOut(average, count, body.score), headers=headers)


@get("/api/scripts/{script_id:str}/raw")
async def script_raw(request: Request[Any, Any, Any], script_id: str) -> Response[bytes]:
    """An update check by a client whose copy is current: the product's one MULTI block (the
    cached validators and the rate counter), then 304 with the validators. Without
    `If-None-Match`, a download of the stored bytes: the same MULTI block, one SELECT of the
    code, the product's install script (one EVALSHA), then 200 with the code as stored. Only
    those paths are measured; a cache miss (an entry lives 60 s) is filled from the database
    as the product does, and any other request is not this baseline's (501)."""
    ip = request.client.host if request.client else "unknown"
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is None:  # a download: the API budget
        budgets = [(f"{PREFIX}rate:api:{ip}", int(API_LIMIT), int(API_WINDOW))]
    else:  # an update check: its own budgets, per IP and per IP and script
        budgets = [
            (f"{PREFIX}rate:update_checks:{ip}", int(CHECKS_LIMIT), int(CHECKS_WINDOW)),
            (
                f"{PREFIX}rate:update_check:{ip}:{script_id}",
                int(PER_SCRIPT_LIMIT),
                int(PER_SCRIPT_WINDOW),
            ),
        ]
    async with STORES.redis.pipeline(transaction=True) as pipe:
        pipe.get(f"{PREFIX}latest_code:{script_id}")
        for counter, _, window in budgets:
            _queue_hit(pipe, counter, window)
        entry, *replies = await pipe.execute()
    states = [
        _counted(replies[3 * i], replies[3 * i + 2], limit)
        for i, (_, limit, _) in enumerate(budgets)
    ]
    refused = [state for state in states if not state[0]]
    tightest = (
        max(refused, key=lambda s: s[3]) if refused else min(states, key=lambda s: (s[2], -s[3]))
    )
    headers = _rate_headers(tightest)
    if not entry:
        entry = await _fill_latest_code(uuid.UUID(script_id))
    _, visibility, sha256, created_at, served_as = entry.decode().split("\n")
    tag = f'"{sha256}.{served_as}"'
    modified = datetime.fromtimestamp(float(created_at), tz=UTC)
    headers |= {
        "etag": tag,
        "last-modified": format_datetime(modified, usegmt=True),
        "cache-control": "no-cache",
        "vary": "Accept, Origin",
    }
    if visibility == "private":
        raise HTTPException(status_code=501, detail="not a public script")
    if if_none_match is None:
        return await _download(uuid.UUID(script_id), ip, headers)
    held = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    if tag not in held:
        raise HTTPException(status_code=501, detail="not an update check of a current copy")
    return Response(b"", status_code=304, headers=headers)


async def _download(script_id: uuid.UUID, ip: str, headers: dict[str, str]) -> Response[bytes]:
    async with STORES.pool.acquire() as connection:
        code = await connection.fetchval(SQL_LATEST_CODE, script_id)
    if code is None:
        raise HTTPException(status_code=404, detail="script not found")
    now = int(time.time() * 1000)
    window = 24 * 3600 * 1000
    pair = hashlib.blake2b(f"{script_id}\nip:{ip}".encode(), digest_size=16).hexdigest()
    await STORES.record_install(
        keys=[f"{PREFIX}installs:seen:{pair}", f"{PREFIX}installs:pending"],
        args=[now, now + window, window, str(script_id)],
    )
    body = code.encode()
    headers["content-type"] = "text/plain; charset=utf-8"
    return Response(body, headers=headers)


async def _fill_latest_code(script_id: uuid.UUID) -> bytes:
    async with STORES.pool.acquire() as connection:
        row = await connection.fetchrow(SQL_LATEST_VALIDATORS, script_id)
    if row is None:
        raise HTTPException(status_code=404, detail="script not found")
    created_at = repr(row["latest_version_at"].timestamp())
    # application/scripts/served_code.py served_as
    made_from = f"{PUBLIC_URL}\n{script_id}\n{row['slug']}\n{row['language']}"
    served_as = hashlib.blake2b(made_from.encode(), digest_size=8).hexdigest()
    fields = (str(script_id), row["visibility"], row["latest_sha256"], created_at, served_as)
    entry = "\n".join(fields).encode()
    await STORES.redis.set(f"{PREFIX}latest_code:{script_id}", entry, px=60_000, nx=True)
    return entry


def _bad_body(_: Request[Any, Any, Any], error: msgspec.MsgspecError) -> Response[dict[str, str]]:
    """A body msgspec refuses is the client's mistake (the product answers 4xx too)."""
    return Response({"detail": str(error)}, status_code=422)


app = Litestar(
    exception_handlers={msgspec.MsgspecError: _bad_body},
    route_handlers=[
        me,
        refresh,
        login,
        register,
        update_me,
        script_raw,
        publish_version,
        rate_script,
    ],
    on_startup=[open_stores],
    on_shutdown=[close_stores],
)
