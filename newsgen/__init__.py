"""newsgen: a static site generator for Vietnamese newsrooms."""

__version__ = "0.1.0"
