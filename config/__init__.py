"""Configuration: one frozen settings object read from the environment."""
from config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
