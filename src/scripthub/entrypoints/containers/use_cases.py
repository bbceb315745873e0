"""The use-cases container: every use case, built once per process over the adapters.

Each use case takes a unit-of-work factory and opens a unit of work per call, so one
instance serves every request. A new use case is one line here; the HTTP layer finds it by
its provider name (`entrypoints/http/dependencies.py`).
"""

from __future__ import annotations

from dependency_injector import containers, providers

from scripthub.application.access_tokens.authenticate_access_token import (
    AuthenticateAccessToken,
)
from scripthub.application.access_tokens.create_access_token import CreateAccessToken
from scripthub.application.access_tokens.list_access_tokens import ListAccessTokens
from scripthub.application.access_tokens.revoke_access_token import RevokeAccessToken
from scripthub.application.audit.list_entries import ListAuditEntries
from scripthub.application.auth.authenticate_request import AuthenticateRequest
from scripthub.application.auth.change_password import ChangePassword
from scripthub.application.auth.end_session import EndSession
from scripthub.application.auth.list_sessions import ListSessions
from scripthub.application.auth.log_in import LogIn
from scripthub.application.auth.log_out import LogOut
from scripthub.application.auth.refresh_session import RefreshSession
from scripthub.application.auth.register_user import RegisterUser
from scripthub.application.auth.request_password_reset import RequestPasswordReset
from scripthub.application.auth.resend_verification_email import ResendVerificationEmail
from scripthub.application.auth.reset_password import ResetPassword
from scripthub.application.auth.session_ending import SessionEnding
from scripthub.application.auth.session_starter import SessionStarter
from scripthub.application.auth.verify_email import VerifyEmail
from scripthub.application.authorization import Authorizer
from scripthub.application.installs.flush_installs import FlushInstalls
from scripthub.application.mail.deliver_mail import DeliverMail
from scripthub.application.mail.messages import MailLinks
from scripthub.application.mail.token_mail import TokenMail
from scripthub.application.moderation.file_report import FileReport
from scripthub.application.moderation.list_own_reports import ListOwnReports
from scripthub.application.moderation.list_report_queue import ListReportQueue
from scripthub.application.moderation.list_script_reports import ListScriptReports
from scripthub.application.moderation.moderation_log import ReadModerationLog
from scripthub.application.moderation.rebut_report import RebutReport
from scripthub.application.moderation.resolve_report import ResolveReport
from scripthub.application.oauth.exchange_code import ExchangeOAuthCode
from scripthub.application.oauth.finish_callback import FinishOAuthCallback
from scripthub.application.oauth.flows import FlowStarter
from scripthub.application.oauth.identity_accounts import IdentityAccounts
from scripthub.application.oauth.list_providers import ListOwnProviders
from scripthub.application.oauth.start_link import StartProviderLink
from scripthub.application.oauth.start_sign_in import StartOAuthSignIn
from scripthub.application.oauth.unlink_provider import UnlinkProvider
from scripthub.application.require_allowlist.get_allowlist import GetRequireAllowlist
from scripthub.application.require_allowlist.replace_allowlist import ReplaceRequireAllowlist
from scripthub.application.roles.create_permission import CreatePermission
from scripthub.application.roles.create_role import CreateRole
from scripthub.application.roles.delete_role import DeleteRole
from scripthub.application.roles.list_permissions import ListPermissions
from scripthub.application.roles.list_roles import ListRoles
from scripthub.application.roles.set_role_permissions import SetRolePermissions
from scripthub.application.script_authors.accept_invitation import AcceptInvitation
from scripthub.application.script_authors.invite_author import InviteAuthor
from scripthub.application.script_authors.list_invitations import (
    ListOwnInvitations,
    ListScriptInvitations,
)
from scripthub.application.script_authors.offer_transfer import OfferTransfer
from scripthub.application.script_authors.remove_author import RemoveAuthor
from scripthub.application.scripts.create_script import CreateScript
from scripthub.application.scripts.delete_script import DeleteScript
from scripthub.application.scripts.diff_versions import DiffVersions
from scripthub.application.scripts.edit_script import EditScript
from scripthub.application.scripts.feature_script import FeatureScript
from scripthub.application.scripts.get_script import GetScript
from scripthub.application.scripts.list_held_versions import ListHeldVersions
from scripthub.application.scripts.list_own_scripts import ListOwnScripts
from scripthub.application.scripts.list_scripts import ListScripts
from scripthub.application.scripts.list_sites import ListTopSites
from scripthub.application.scripts.list_versions import ListScriptVersions
from scripthub.application.scripts.publish_version import PublishScriptVersion
from scripthub.application.scripts.publishing_gates import PublishingGates
from scripthub.application.scripts.rate_script import RateScript
from scripthub.application.scripts.read_new_scripts_feed import ReadNewScriptsFeed
from scripthub.application.scripts.read_script_code import ReadScriptCode
from scripthub.application.scripts.read_version_code import ReadVersionCode
from scripthub.application.scripts.read_version_feed import ReadVersionFeed
from scripthub.application.scripts.review_version import ReviewVersion
from scripthub.application.scripts.unrate_script import UnrateScript
from scripthub.application.sources.fetching import GitHubEndpoints, SourceFiles
from scripthub.application.sources.get_source import GetSource
from scripthub.application.sources.receive_github_delivery import ReceiveGitHubDelivery
from scripthub.application.sources.remove_source import RemoveSource
from scripthub.application.sources.request_sync import RequestSync
from scripthub.application.sources.run_syncs import RunSourceSyncs, SyncPolicy
from scripthub.application.sources.set_source import SetSource
from scripthub.application.sources.webhook_secret import (
    NewWebhookSecret,
    ShowWebhook,
    WebhookEndpoint,
)
from scripthub.application.users.change_account_status import ChangeAccountStatus
from scripthub.application.users.change_roles import ChangeUserRole
from scripthub.application.users.confirm_email_change import ConfirmEmailChange
from scripthub.application.users.create_account import CreateAccount
from scripthub.application.users.delete_own_account import DeleteOwnAccount
from scripthub.application.users.get_own_user import GetOwnUser
from scripthub.application.users.get_public_user import GetPublicUser
from scripthub.application.users.list_users import ListUsers
from scripthub.application.users.new_account import NewAccounts
from scripthub.application.users.request_email_change import RequestEmailChange
from scripthub.application.users.set_password import SetUserPassword
from scripthub.application.users.update_own_user import UpdateOwnUser
from scripthub.entrypoints.install_flusher import InstallRecorder
from scripthub.entrypoints.latest_code_cache import DegradingLatestCodeCache


class UseCases(containers.DeclarativeContainer):
    adapters = providers.DependenciesContainer()

    settings = adapters.settings
    clock = adapters.clock
    uow_factory = adapters.unit_of_work.provider
    session_store = adapters.session_store
    permission_cache = adapters.permission_cache

    # Services the use cases share.
    authorizer = providers.Singleton(Authorizer, uow_factory=uow_factory, clock=clock)
    latest_code = providers.Singleton(DegradingLatestCodeCache, adapters.latest_code_store)
    sessions = providers.Singleton(
        SessionStarter,
        session_store=session_store,
        access_tokens=adapters.access_tokens,
        clock=clock,
        session_lifetime=settings.provided.session_lifetime,
    )
    session_ending = providers.Singleton(
        SessionEnding,
        session_store=session_store,
        permission_cache=permission_cache,
        token_marks=adapters.token_marks,
    )
    token_mail = providers.Singleton(
        TokenMail,
        links=providers.Singleton(MailLinks, settings.provided.frontend_url),
        clock=clock,
        limiter=adapters.rate_limiter,
    )
    new_accounts = providers.Singleton(
        NewAccounts,
        hasher=adapters.hasher,
        clock=clock,
        common_passwords=adapters.common_passwords,
        email_syntax=adapters.email_syntax,
    )
    deliver_mail = providers.Singleton(
        DeliverMail, outbox=adapters.outbox_dispatch_store, mailer=adapters.mailer, clock=clock
    )

    # Signing in and sessions.
    authenticate_request = providers.Singleton(
        AuthenticateRequest,
        uow_factory=uow_factory,
        access_tokens=adapters.access_tokens,
        access_state=adapters.access_state,
        permission_cache=permission_cache,
        clock=clock,
        access_token=providers.Singleton(
            AuthenticateAccessToken,
            uow_factory=uow_factory,
            access_state=adapters.access_state,
            permission_cache=permission_cache,
            token_cache=adapters.access_token_cache,
            token_marks=adapters.token_marks,
            clock=clock,
        ),
    )
    register_user = providers.Singleton(
        RegisterUser,
        uow_factory=uow_factory,
        new_accounts=new_accounts,
        sessions=sessions,
        token_mail=token_mail,
        clock=clock,
    )
    log_in = providers.Singleton(
        LogIn,
        uow_factory=uow_factory,
        hasher=adapters.hasher,
        sessions=sessions,
        clock=clock,
        throttle=adapters.login_throttle,
        email_syntax=adapters.email_syntax,
    )
    refresh_session = providers.Singleton(
        RefreshSession,
        uow_factory=uow_factory,
        reader=adapters.account_reader,
        session_store=session_store,
        sessions=sessions,
        clock=clock,
        reuse_grace=settings.provided.reuse_grace,
        rotation_key=settings.provided.refresh_rotation_key,
    )
    log_out = providers.Singleton(
        LogOut, uow_factory=uow_factory, session_store=session_store, clock=clock
    )
    list_sessions = providers.Singleton(ListSessions, session_store=session_store, clock=clock)
    create_access_token = providers.Singleton(
        CreateAccessToken, uow_factory=uow_factory, clock=clock
    )
    list_access_tokens = providers.Singleton(ListAccessTokens, uow_factory=uow_factory)
    revoke_access_token = providers.Singleton(
        RevokeAccessToken, uow_factory=uow_factory, token_marks=adapters.token_marks, clock=clock
    )
    end_session = providers.Singleton(
        EndSession, uow_factory=uow_factory, session_store=session_store, clock=clock
    )

    # Email addresses and passwords.
    verify_email = providers.Singleton(
        VerifyEmail, uow_factory=uow_factory, token_mail=token_mail, clock=clock
    )
    resend_verification_email = providers.Singleton(
        ResendVerificationEmail, uow_factory=uow_factory, token_mail=token_mail
    )
    request_password_reset = providers.Singleton(
        RequestPasswordReset,
        uow_factory=uow_factory,
        token_mail=token_mail,
        email_syntax=adapters.email_syntax,
    )
    reset_password = providers.Singleton(
        ResetPassword,
        uow_factory=uow_factory,
        token_mail=token_mail,
        hasher=adapters.hasher,
        session_ending=session_ending,
        clock=clock,
        common_passwords=adapters.common_passwords,
    )
    request_email_change = providers.Singleton(
        RequestEmailChange,
        uow_factory=uow_factory,
        token_mail=token_mail,
        hasher=adapters.hasher,
        email_syntax=adapters.email_syntax,
    )
    confirm_email_change = providers.Singleton(
        ConfirmEmailChange, uow_factory=uow_factory, token_mail=token_mail, clock=clock
    )
    change_password = providers.Singleton(
        ChangePassword,
        uow_factory=uow_factory,
        hasher=adapters.hasher,
        session_ending=session_ending,
        sessions=sessions,
        clock=clock,
        common_passwords=adapters.common_passwords,
    )

    # Accounts.
    get_own_user = providers.Singleton(GetOwnUser, reader=adapters.account_reader)
    update_own_user = providers.Singleton(UpdateOwnUser, uow_factory=uow_factory, clock=clock)
    delete_own_account = providers.Singleton(
        DeleteOwnAccount,
        uow_factory=uow_factory,
        hasher=adapters.hasher,
        session_ending=session_ending,
        latest_code=latest_code,
        clock=clock,
    )
    get_public_user = providers.Singleton(GetPublicUser, uow_factory=uow_factory)
    list_users = providers.Singleton(ListUsers, uow_factory=uow_factory, authorizer=authorizer)
    create_account = providers.Singleton(
        CreateAccount,
        uow_factory=uow_factory,
        authorizer=authorizer,
        new_accounts=new_accounts,
        token_mail=token_mail,
        clock=clock,
    )
    change_account_status = providers.Singleton(
        ChangeAccountStatus,
        uow_factory=uow_factory,
        authorizer=authorizer,
        session_ending=session_ending,
        latest_code=latest_code,
        clock=clock,
    )
    set_user_password = providers.Singleton(
        SetUserPassword,
        uow_factory=uow_factory,
        authorizer=authorizer,
        hasher=adapters.hasher,
        session_ending=session_ending,
        clock=clock,
        common_passwords=adapters.common_passwords,
    )
    change_user_role = providers.Singleton(
        ChangeUserRole,
        uow_factory=uow_factory,
        authorizer=authorizer,
        permission_cache=permission_cache,
        clock=clock,
    )

    # Roles, permissions and the audit trail.
    list_roles = providers.Singleton(ListRoles, uow_factory=uow_factory, authorizer=authorizer)
    create_role = providers.Singleton(
        CreateRole, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    set_role_permissions = providers.Singleton(
        SetRolePermissions,
        uow_factory=uow_factory,
        authorizer=authorizer,
        permission_cache=permission_cache,
        clock=clock,
    )
    delete_role = providers.Singleton(
        DeleteRole,
        uow_factory=uow_factory,
        authorizer=authorizer,
        permission_cache=permission_cache,
        clock=clock,
    )
    list_permissions = providers.Singleton(
        ListPermissions, uow_factory=uow_factory, authorizer=authorizer
    )
    create_permission = providers.Singleton(
        CreatePermission,
        uow_factory=uow_factory,
        authorizer=authorizer,
        permission_cache=permission_cache,
        clock=clock,
    )
    list_audit_entries = providers.Singleton(
        ListAuditEntries, uow_factory=uow_factory, authorizer=authorizer
    )

    # Signing in with providers, and linking them.
    flow_starter = providers.Singleton(
        FlowStarter,
        gateway=adapters.oauth_gateway,
        flows=adapters.oauth_flows,
        public_url=settings.provided.public_url,
    )
    identity_accounts = providers.Singleton(IdentityAccounts, uow_factory=uow_factory, clock=clock)
    start_oauth_sign_in = providers.Singleton(
        StartOAuthSignIn, gateway=adapters.oauth_gateway, starter=flow_starter
    )
    start_provider_link = providers.Singleton(
        StartProviderLink, gateway=adapters.oauth_gateway, starter=flow_starter
    )
    finish_oauth_callback = providers.Singleton(
        FinishOAuthCallback,
        gateway=adapters.oauth_gateway,
        flows=adapters.oauth_flows,
        starter=flow_starter,
        accounts=identity_accounts,
    )
    exchange_oauth_code = providers.Singleton(
        ExchangeOAuthCode,
        uow_factory=uow_factory,
        flows=adapters.oauth_flows,
        sessions=sessions,
        clock=clock,
    )
    list_own_providers = providers.Singleton(ListOwnProviders, uow_factory=uow_factory)
    unlink_provider = providers.Singleton(
        UnlinkProvider, uow_factory=uow_factory, gateway=adapters.oauth_gateway, clock=clock
    )

    # Scripts: their code, and the installs it counts.
    install_recorder = providers.Singleton(InstallRecorder, adapters.install_counter)
    flush_installs = providers.Singleton(
        FlushInstalls, counter=adapters.install_counter, transaction=uow_factory, clock=clock
    )
    read_script_code = providers.Singleton(
        ReadScriptCode,
        uow_factory=uow_factory,
        latest_code=latest_code,
        prepared_code=adapters.prepared_code,
        installs=install_recorder,
        clock=clock,
        public_url=settings.provided.public_url,
    )
    read_version_code = providers.Singleton(
        ReadVersionCode, uow_factory=uow_factory, prepared_code=adapters.prepared_code
    )
    diff_versions = providers.Singleton(DiffVersions, uow_factory=uow_factory)
    read_version_feed = providers.Singleton(
        ReadVersionFeed, uow_factory=uow_factory, public_url=settings.provided.public_url
    )
    read_new_scripts_feed = providers.Singleton(
        ReadNewScriptsFeed, uow_factory=uow_factory, public_url=settings.provided.public_url
    )
    # Changing scripts: edits, deletion, featuring, ratings.
    edit_script = providers.Singleton(
        EditScript,
        uow_factory=uow_factory,
        authorizer=authorizer,
        latest_code=latest_code,
        clock=clock,
    )
    delete_script = providers.Singleton(
        DeleteScript,
        uow_factory=uow_factory,
        authorizer=authorizer,
        latest_code=latest_code,
        clock=clock,
    )
    feature_script = providers.Singleton(
        FeatureScript, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    rate_script = providers.Singleton(RateScript, uow_factory=uow_factory, clock=clock)
    unrate_script = providers.Singleton(UnrateScript, uow_factory=uow_factory)
    # Scripts.
    publishing_gates = providers.Singleton(
        PublishingGates, policy=settings.provided.publishing_policy, clock=clock
    )
    create_script = providers.Singleton(
        CreateScript,
        uow_factory=uow_factory,
        authorizer=authorizer,
        clock=clock,
        gates=publishing_gates,
    )
    publish_script_version = providers.Singleton(
        PublishScriptVersion,
        uow_factory=uow_factory,
        authorizer=authorizer,
        latest_code=latest_code,
        clock=clock,
        gates=publishing_gates,
        review_policy=settings.provided.version_review_policy,
    )
    review_version = providers.Singleton(
        ReviewVersion,
        uow_factory=uow_factory,
        authorizer=authorizer,
        latest_code=latest_code,
        clock=clock,
    )
    list_held_versions = providers.Singleton(
        ListHeldVersions, uow_factory=uow_factory, authorizer=authorizer
    )
    # The @require/@resource allow-list.
    get_require_allowlist = providers.Singleton(
        GetRequireAllowlist, uow_factory=uow_factory, authorizer=authorizer
    )
    replace_require_allowlist = providers.Singleton(
        ReplaceRequireAllowlist, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    get_script = providers.Singleton(GetScript, uow_factory=uow_factory)
    list_scripts = providers.Singleton(ListScripts, uow_factory=uow_factory)
    list_top_sites = providers.Singleton(ListTopSites, uow_factory=uow_factory, clock=clock)
    list_own_scripts = providers.Singleton(ListOwnScripts, uow_factory=uow_factory)
    list_script_versions = providers.Singleton(ListScriptVersions, uow_factory=uow_factory)

    # Co-authors and ownership transfer.
    invite_author = providers.Singleton(
        InviteAuthor, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    offer_transfer = providers.Singleton(
        OfferTransfer, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    accept_invitation = providers.Singleton(
        AcceptInvitation, uow_factory=uow_factory, latest_code=latest_code, clock=clock
    )
    remove_author = providers.Singleton(
        RemoveAuthor, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    list_own_invitations = providers.Singleton(
        ListOwnInvitations, uow_factory=uow_factory, clock=clock
    )
    list_script_invitations = providers.Singleton(
        ListScriptInvitations, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    # Sources: syncing scripts from GitHub and from URLs.
    source_files = providers.Singleton(
        SourceFiles,
        fetcher=adapters.source_fetcher,
        github=providers.Singleton(
            GitHubEndpoints, settings.provided.github_url, settings.provided.github_raw_url
        ),
    )
    webhook_endpoint = providers.Singleton(
        WebhookEndpoint, settings.provided.public_url, settings.provided.webhook_key
    )
    set_source = providers.Singleton(
        SetSource,
        uow_factory=uow_factory,
        authorizer=authorizer,
        files=source_files,
        clock=clock,
        allow_http=settings.provided.fetch_allows_http,
    )
    get_source = providers.Singleton(GetSource, uow_factory=uow_factory, authorizer=authorizer)
    remove_source = providers.Singleton(
        RemoveSource, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    request_sync = providers.Singleton(
        RequestSync, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    show_webhook = providers.Singleton(
        ShowWebhook, uow_factory=uow_factory, endpoint=webhook_endpoint
    )
    new_webhook_secret = providers.Singleton(
        NewWebhookSecret, uow_factory=uow_factory, endpoint=webhook_endpoint, clock=clock
    )
    receive_github_delivery = providers.Singleton(
        ReceiveGitHubDelivery, uow_factory=uow_factory, endpoint=webhook_endpoint, clock=clock
    )
    run_source_syncs = providers.Singleton(
        RunSourceSyncs,
        uow_factory=uow_factory,
        store=adapters.sync_job_store,
        files=source_files,
        publish=publish_script_version,
        clock=clock,
        policy=providers.Singleton(SyncPolicy, lease=settings.provided.sync_policy_lease),
    )

    # Reports and moderation.
    file_report = providers.Singleton(FileReport, uow_factory=uow_factory, clock=clock)
    list_own_reports = providers.Singleton(ListOwnReports, uow_factory=uow_factory)
    list_script_reports = providers.Singleton(
        ListScriptReports, uow_factory=uow_factory, authorizer=authorizer
    )
    rebut_report = providers.Singleton(
        RebutReport, uow_factory=uow_factory, authorizer=authorizer, clock=clock
    )
    list_report_queue = providers.Singleton(
        ListReportQueue, uow_factory=uow_factory, authorizer=authorizer
    )
    resolve_report = providers.Singleton(
        ResolveReport,
        uow_factory=uow_factory,
        authorizer=authorizer,
        session_ending=session_ending,
        latest_code=latest_code,
        clock=clock,
    )
    read_moderation_log = providers.Singleton(ReadModerationLog, uow_factory=uow_factory)
