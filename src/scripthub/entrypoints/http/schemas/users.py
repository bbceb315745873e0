"""Users as the API shows them, and the bodies that change them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from scripthub.application.accounts import OwnUser
from scripthub.domain.roles import Grants
from scripthub.domain.users import AccountStatus, Profile, User
from scripthub.entrypoints.http.schemas.fields import (
    AvatarUrl,
    Bio,
    BirthDate,
    FullName,
    Location,
    Phone,
    Username,
    Website,
)


class ProfileOut(msgspec.Struct):
    full_name: str | None
    avatar_url: str | None
    phone: str | None
    bio: str | None
    date_of_birth: date | None
    location: str | None
    website: str | None


class PublicProfileOut(msgspec.Struct):
    full_name: str | None
    avatar_url: str | None
    bio: str | None
    location: str | None
    website: str | None


class UserOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    username: str
    email_verified: bool
    account_status: AccountStatus
    roles: list[str]
    providers: list[str]
    created_at: datetime
    updated_at: datetime
    profile: ProfileOut


class PublicUserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    created_at: datetime
    profile: PublicProfileOut


class PermissionsOut(msgspec.Struct):
    roles: list[str]
    permissions: list[str]


class ProfilePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Omitted fields stay as they are; `null` clears."""

    full_name: FullName | msgspec.UnsetType | None = msgspec.UNSET
    avatar_url: AvatarUrl | msgspec.UnsetType | None = msgspec.UNSET
    phone: Phone | msgspec.UnsetType | None = msgspec.UNSET
    bio: Bio | msgspec.UnsetType | None = msgspec.UNSET
    date_of_birth: BirthDate | msgspec.UnsetType | None = msgspec.UNSET
    location: Location | msgspec.UnsetType | None = msgspec.UNSET
    website: Website | msgspec.UnsetType | None = msgspec.UNSET

    def changes(self) -> dict[str, object]:
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not msgspec.UNSET
        }


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    username: Username | msgspec.UnsetType = msgspec.UNSET
    profile: ProfilePatch | msgspec.UnsetType = msgspec.UNSET


class DeleteAccountBody(msgspec.Struct, forbid_unknown_fields=True):
    password: Annotated[str, msgspec.Meta(max_length=1024)] | None = None


def profile_out(profile: Profile) -> ProfileOut:
    return ProfileOut(
        full_name=profile.full_name,
        avatar_url=profile.avatar_url,
        phone=profile.phone,
        bio=profile.bio,
        date_of_birth=profile.date_of_birth,
        location=profile.location,
        website=profile.website,
    )


def user_out(own: OwnUser) -> UserOut:
    user = own.user
    return UserOut(
        id=user.id,
        email=user.email,
        username=user.username,
        email_verified=user.email_verified,
        account_status=user.account_status,
        roles=own.roles,
        providers=own.providers,
        created_at=user.created_at,
        updated_at=user.updated_at,
        profile=profile_out(user.profile),
    )


def public_user_out(user: User) -> PublicUserOut:
    profile = user.profile
    return PublicUserOut(
        id=user.id,
        username=user.username,
        created_at=user.created_at,
        profile=PublicProfileOut(
            full_name=profile.full_name,
            avatar_url=profile.avatar_url,
            bio=profile.bio,
            location=profile.location,
            website=profile.website,
        ),
    )


def permissions_out(grants: Grants) -> PermissionsOut:
    return PermissionsOut(sorted(grants.roles), sorted(grants.permissions))
