"""Gemini CLI and Antigravity: Google's quota endpoints, the editor's cache, demos.

oauth.py        who issued a login, its client settings, token refresh in memory
cloudcode.py    the v1internal calls both pools make (project, quota, one retry)
parse.py        the answers read into windows (pure)
summary.py      Antigravity's quota summary groups, and how they join the models (pure)
retired.py      Gemini CLI's end for consumer accounts, wherever Google says it (pure)
models.py       model windows folded into families, the accounts' order (pure)
gemini.py       GeminiProvider: ~/.gemini/oauth_creds.json
antigravity.py  AntigravityProvider: OpenCode's accounts file, then cache.py's accounts
cache.py        the Antigravity editor's local cache (state.vscdb)
demo.py, cache_demo.py   the demo's answers and cache file
"""

# The package's public names, for callers that want Google as one namespace (the tests).
from providers.google.antigravity import AntigravityProvider
from providers.google.cloudcode import (
    LOAD_CODE_ASSIST_BODY,
    QUOTA_SUMMARY_URL,
    USER_QUOTA_URL,
    clear_memory,
)
from providers.google.gemini import GeminiProvider
from providers.google.models import group_windows, sort_key
from providers.google.oauth import TOKEN_URL
from providers.google.parse import (
    parse_available_models,
    parse_load_code_assist,
    parse_user_quota,
    verification_text,
)
from providers.google.summary import parse_quota_summary

__all__ = [
    "LOAD_CODE_ASSIST_BODY",
    "QUOTA_SUMMARY_URL",
    "TOKEN_URL",
    "USER_QUOTA_URL",
    "AntigravityProvider",
    "GeminiProvider",
    "clear_memory",
    "group_windows",
    "parse_available_models",
    "parse_load_code_assist",
    "parse_quota_summary",
    "parse_user_quota",
    "sort_key",
    "verification_text",
]
