"""Every SCRIPTHUB_* variable of API.md, parsed and validated once at start-up."""

from scripthub.entrypoints.settings.loading import SettingsError, load_settings
from scripthub.entrypoints.settings.model import OAuthProviderSettings, RateLimit, Settings

__all__ = ["OAuthProviderSettings", "RateLimit", "Settings", "SettingsError", "load_settings"]
